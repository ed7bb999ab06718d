import { randomBytes } from 'node:crypto';
import { UPLOAD_KEY_PATTERN } from '@offload/contracts';

/** Every key the server issues: a kind prefix and an id, optionally an extension. No path parts. */
const KEY_PATTERN = /^[a-z]{2,8}_[0-9a-f-]{32,36}(\.[a-z0-9]{1,8})?$/;

export function newUploadKey(): string {
  return `up_${randomBytes(16).toString('hex')}`;
}

/** The output of a task: deterministic, so a redelivered task rewrites the same blob. */
export function outputKey(taskId: string, extension: string): string {
  return assertSafeKey(`out_${taskId}.${extension}`);
}

export function isUploadKey(key: string): boolean {
  return UPLOAD_KEY_PATTERN.test(key);
}

/** Throws on anything that is not a server-issued key: no client path ever reaches the disk. */
export function assertSafeKey(key: string): string {
  if (!KEY_PATTERN.test(key)) {
    throw new RangeError(`not a storage key: ${JSON.stringify(key)}`);
  }
  return key;
}
