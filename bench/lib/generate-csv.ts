import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: a small seeded PRNG, so every run profiles the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

/**
 * A CSV of `rows` rows and 7 columns (integer id, number price, integer qty, boolean active,
 * timestamp created_at, string category, free-text note): ~61 bytes a row, so 17.5 M rows ≈ 1 GiB.
 */
export async function generateCsv(path: string, rows: number, seed = 42): Promise<number> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('id,price,qty,active,created_at,category,note\n');
  for (let i = 0; i < rows; ) {
    let chunk = '';
    for (let k = 0; k < 5000 && i < rows; k++, i++) {
      const at = new Date(1.7e12 + Math.floor(random() * 3e10)).toISOString().slice(0, 19).replace('T', ' ');
      chunk += `${i},${(random() * 1000).toFixed(2)},${Math.floor(random() * 100)},${random() < 0.5},${at},${CATEGORIES[Math.floor(random() * 8)]},note ${Math.floor(random() * 1e6)}\n`;
    }
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
