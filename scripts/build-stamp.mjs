// What `npm start` built last: a fingerprint of every build input (the files turbo.json's build
// task reads, the lockfile, the shared compiler settings) and of the outputs, so a start with
// nothing changed skips the build altogether. npm ci empties node_modules, and the stamp with it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = process.env.OFFLOAD_BUILD_STAMP ?? join(ROOT, 'node_modules/.cache/offload/build-stamp');
const WORKSPACE_DIRS = ['packages', 'apps'];
const INPUT_DIRS = ['src', 'scripts', 'dist'];

async function* files(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Size and modification time of every input and output file, hashed. */
export async function buildFingerprint() {
  const hash = createHash('sha256');
  const add = async (path) => {
    try {
      const s = await stat(path);
      hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      hash.update(`${path}\0missing\n`);
    }
  };
  for (const file of ['package-lock.json', 'turbo.json']) await add(join(ROOT, file));
  for (const group of WORKSPACE_DIRS) {
    for (const name of (await readdir(join(ROOT, group))).sort()) {
      const workspace = join(ROOT, group, name);
      for (const file of (await readdir(workspace)).filter((f) => f === 'package.json' || f === 'vite.config.ts' || /^tsconfig.*\.json$/.test(f)).sort()) await add(join(workspace, file));
      for (const dir of INPUT_DIRS) for await (const file of files(join(workspace, dir))) await add(file);
    }
  }
  return hash.digest('hex');
}

export async function readStamp() {
  try {
    return (await readFile(STAMP, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function writeStamp(fingerprint) {
  await mkdir(dirname(STAMP), { recursive: true });
  await writeFile(STAMP, `${fingerprint}\n`);
}
