import { randomBytes } from 'node:crypto';
import { UPLOAD_KEY_PATTERN } from '@offload/contracts';

/**
 * Every key the server issues: a kind prefix and an id, optionally a name (`w320`) and an
 * extension. No path parts.
 */
const KEY_PATTERN = /^[a-z]{2,8}_[0-9a-f-]{32,36}(\.[a-z0-9]{1,16})?(\.[a-z0-9]{1,8})?$/;

export function newUploadKey(): string {
  return `up_${randomBytes(16).toString('hex')}`;
}

/**
 * An output of a task: deterministic, so a redelivered task rewrites the same blob. `suffix` is an
 * extension (`png`), or a name and an extension (`w320.webp`) for a task with several outputs.
 */
export function outputKey(taskId: string, suffix: string): string {
  return assertSafeKey(`out_${taskId}.${suffix}`);
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
