import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { classifyError } from '@offload/contracts';
import { BlobNotFoundError } from './blob-not-found-error';
import { createFsBlobStore } from './fs-blob-store';
import { newUploadKey } from './keys';
import type { BlobStore } from './storage';

function chunks(count: number, size: number, fail?: Error): Readable {
  return Readable.from(
    (function* generate() {
      for (let i = 0; i < count; i++) {
        yield Buffer.alloc(size, i % 256);
      }
      if (fail !== undefined) {
        throw fail;
      }
    })(),
  );
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) {
    parts.push(Buffer.from(part));
  }
  return Buffer.concat(parts);
}

describe('createFsBlobStore', () => {
  let root: string;
  let dir: string;
  let blobs: BlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'offload-blobs-'));
    dir = join(root, 'blobs');
    await mkdir(dir);
    blobs = createFsBlobStore(dir);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores bytes and reads them back when given a Uint8Array', async () => {
    const key = newUploadKey();
    const data = randomBytes(1000);

    await expect(blobs.put(key, data)).resolves.toEqual({ bytes: 1000 });

    expect(await blobs.read(key)).toEqual(data);
    expect(await blobs.exists(key)).toBe(true);
  });

  it('reads at most the first maxBytes when asked for the head, and the whole of a shorter blob', async () => {
    const key = newUploadKey();
    const data = randomBytes(100_000);
    await blobs.put(key, data);
    expect(await blobs.readHead(key, 4096)).toEqual(data.subarray(0, 4096));
    expect(await blobs.readHead(key, 1_000_000)).toEqual(data);
  });

  it('streams a Readable into place and open streams the same bytes back', async () => {
    const key = newUploadKey();

    await expect(blobs.put(key, chunks(64, 16 * 1024))).resolves.toEqual({ bytes: 64 * 16 * 1024 });

    const { stream, bytes } = await blobs.open(key);
    const body = await collect(stream);
    expect(bytes).toBe(64 * 16 * 1024);
    expect(body.equals(await collect(chunks(64, 16 * 1024)))).toBe(true);
  });

  it('stores every byte in order when the stream is many chunks of uneven sizes', async () => {
    const key = newUploadKey();
    const parts = Array.from({ length: 1500 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 1 + ((i * 977) % 3000)));
    const expected = Buffer.concat(parts);

    await expect(blobs.put(key, Readable.from(parts))).resolves.toEqual({ bytes: expected.length });

    expect((await blobs.read(key)).equals(expected)).toBe(true);
  });

  it('stores string chunks as UTF-8 when the source yields text', async () => {
    const key = newUploadKey();
    await blobs.put(key, Readable.from(['héllo ', 'wörld']));
    expect((await blobs.read(key)).toString('utf8')).toBe('héllo wörld');
  });

  it('replaces the blob when the same key is written again', async () => {
    const key = newUploadKey();
    await blobs.put(key, Buffer.from('first version'));
    await blobs.put(key, Buffer.from('second'));

    expect((await blobs.read(key)).toString()).toBe('second');
    expect(await readdir(dir)).toEqual([key]);
  });

  it('leaves no blob and no temp file when the source stream fails', async () => {
    const key = newUploadKey();
    const boom = new Error('source broke');

    await expect(blobs.put(key, chunks(8, 4096, boom))).rejects.toBe(boom);

    expect(await blobs.exists(key)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the previous blob when a replacing write fails', async () => {
    const key = newUploadKey();
    await blobs.put(key, Buffer.from('good'));

    await expect(blobs.put(key, chunks(8, 4096, new Error('source broke')))).rejects.toThrow('source broke');

    expect((await blobs.read(key)).toString()).toBe('good');
    expect(await readdir(dir)).toEqual([key]);
  });

  it('stops reading and rejects with payload_too_large when a stream passes maxBytes', async () => {
    const key = newUploadKey();
    // Endless: put only returns if it stops reading once the limit is passed.
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 1));
      },
    });

    const put = blobs.put(key, endless, { maxBytes: 10_000 });

    await expect(put).rejects.toMatchObject({ name: 'OffloadError', code: 'payload_too_large', retryable: false });
    expect(endless.destroyed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts a stream of exactly maxBytes', async () => {
    const key = newUploadKey();
    await expect(blobs.put(key, chunks(4, 1000), { maxBytes: 4000 })).resolves.toEqual({ bytes: 4000 });
  });

  it('rejects with payload_too_large when bytes pass maxBytes', async () => {
    const key = newUploadKey();
    await expect(blobs.put(key, Buffer.alloc(11), { maxBytes: 10 })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws BlobNotFoundError with code missing_upload when the blob is absent', async () => {
    const key = newUploadKey();

    const readError: unknown = await blobs.read(key).catch((err: unknown) => err);
    const openError: unknown = await blobs.open(key).catch((err: unknown) => err);
    const headError: unknown = await blobs.readHead(key, 16).catch((err: unknown) => err);

    for (const err of [readError, openError, headError]) {
      expect(err).toBeInstanceOf(BlobNotFoundError);
      expect(err).toMatchObject({ name: 'BlobNotFoundError', code: 'missing_upload', key });
      expect(classifyError(err)).toMatchObject({ code: 'missing_upload', retryable: false });
    }
    expect(await blobs.exists(key)).toBe(false);
  });

  it('deletes a blob and ignores a second delete when the blob is gone', async () => {
    const key = newUploadKey();
    await blobs.put(key, Buffer.from('x'));

    await blobs.delete(key);
    await blobs.delete(key);

    expect(await blobs.exists(key)).toBe(false);
  });

  it('returns an absolute path inside the blob directory when asked for a local path', () => {
    const key = newUploadKey();
    const path = blobs.localPath(key);
    expect(path !== undefined && isAbsolute(path)).toBe(true);
    expect(path).toBe(join(dir, key));
  });

  const hex = '0123456789abcdef0123456789abcdef';
  it.each<[string, string]>([
    ['a parent directory', '../etc/passwd'],
    ['a traversal after a prefix', 'up_x/../../a'],
    ['a traversal after a valid key', `up_${hex}/../../a`],
    ['an absolute path', '/etc/passwd'],
    ['an absolute path to a valid name', `/tmp/up_${hex}`],
    ['a NUL byte', `up_${hex}\0.png`],
    ['a trailing newline', `up_${hex}\n`],
    ['a backslash path', `..\\up_${hex}`],
    ['a dot', '.'],
    ['the empty string', ''],
    ['a temp file name', `.tmp-up_${hex}`],
  ])('rejects %s with a RangeError before touching the disk', async (_, key) => {
    expect(() => blobs.localPath(key)).toThrow(RangeError);
    await expect(blobs.put(key, Buffer.from('x'))).rejects.toThrow(RangeError);
    await expect(blobs.read(key)).rejects.toThrow(RangeError);
    await expect(blobs.open(key)).rejects.toThrow(RangeError);
    await expect(blobs.exists(key)).rejects.toThrow(RangeError);
    await expect(blobs.delete(key)).rejects.toThrow(RangeError);
    expect(await readdir(root)).toEqual(['blobs']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('destroys a stream source when its key is rejected', async () => {
    const source = chunks(1, 10);
    await expect(blobs.put('../x', source)).rejects.toThrow(RangeError);
    expect(source.destroyed).toBe(true);
  });
});
