import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SAMPLE_CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'] as const;

export interface SampleRow {
  id: number;
  price: string;
  qty: number;
  active: boolean;
  createdAt: string;
  category: string;
  note: string;
}

export interface SampleCsvOptions {
  seed: number;
  /** `random`: `note <n>` with n < 1e6 (repeats); `unique`: `item number <id>`. */
  notes: 'random' | 'unique';
  /** Sees every row as it is written (for what a test then checks). */
  onRow?: (row: SampleRow) => void;
}

/**
 * A CSV of `rows` rows and 7 columns (integer id, number price, integer qty, boolean active,
 * timestamp created_at, string category, free-text note), ~61 bytes a row (17.5 M rows ≈ 1 GiB),
 * streamed to `path`. Returns the bytes written.
 */
export async function writeSampleCsv(path: string, rows: number, options: SampleCsvOptions): Promise<number> {
  const random = mulberry32(options.seed);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('id,price,qty,active,created_at,category,note\n');
  for (let id = 0; id < rows; ) {
    let chunk = '';
    for (let k = 0; k < 5_000 && id < rows; k++, id++) {
      const createdAt = new Date(1.7e12 + Math.floor(random() * 3e10)).toISOString().slice(0, 19).replace('T', ' ');
      const price = (random() * 1000).toFixed(2);
      const qty = Math.floor(random() * 100);
      const active = random() < 0.5;
      const category = SAMPLE_CATEGORIES[Math.floor(random() * SAMPLE_CATEGORIES.length)] ?? 'alpha';
      const note = options.notes === 'random' ? `note ${Math.floor(random() * 1e6)}` : `item number ${id}`;
      options.onRow?.({ id, price, qty, active, createdAt, category, note });
      chunk += `${id},${price},${qty},${active},${createdAt},${category},${note}\n`;
    }
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
