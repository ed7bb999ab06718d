import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeAll, writeFileAtomic } from './atomic-file';

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');

describe('writeFileAtomic', () => {
  let dir: string;
  let target: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-atomic-'));
    target = join(dir, 'file');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file and leaves no temp file when the write succeeds', async () => {
    await writeFile(target, 'old');

    await expect(writeFileAtomic(target, (file) => writeAll(file, text('new')))).resolves.toBe(true);

    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('removes the temp file and keeps the old file when the write throws', async () => {
    await writeFile(target, 'old');

    await expect(
      writeFileAtomic(target, async (file) => {
        await writeAll(file, text('half'));
        throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');

    expect(await readFile(target, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('returns false and keeps the existing file when writing exclusively over it', async () => {
    await writeFile(target, 'first');

    await expect(writeFileAtomic(target, (file) => writeAll(file, text('second')), 'exclusive')).resolves.toBe(false);

    expect(await readFile(target, 'utf8')).toBe('first');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('creates the file when writing exclusively and none exists', async () => {
    await expect(writeFileAtomic(target, (file) => writeAll(file, text('only')), 'exclusive')).resolves.toBe(true);

    expect(await readFile(target, 'utf8')).toBe('only');
    expect(await readdir(dir)).toEqual(['file']);
  });
});

describe('writeFileAtomic, many writers at once', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-atomic-many-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every file whole and leaves no temp file when 200 writers share the directory syncs', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `f${i}`);

    const results = await Promise.all(
      names.map((name, i) => writeFileAtomic(join(dir, name), (file) => writeAll(file, text(`content ${i}`)), i % 2 === 0 ? 'replace' : 'exclusive')),
    );

    expect(results.every(Boolean)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) expect(await readFile(join(dir, name), 'utf8')).toBe(`content ${i}`);
  });

  it('keeps serving writers in a directory after a write elsewhere failed', async () => {
    const missing = join(dir, 'gone');
    await expect(writeFileAtomic(join(missing, 'x'), (file) => writeAll(file, text('x')))).rejects.toThrow();

    await expect(Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(join(dir, `g${i}`), (file) => writeAll(file, text('g')))))).resolves.toHaveLength(20);
  });
});
