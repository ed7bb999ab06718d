import sharp from 'sharp';
import { PermanentTaskError } from '../errors';
import type { ImageRole } from './probe-image';

/**
 * Classifies an error thrown while a pipeline decoded `bytes`. Rather than parse sharp's message,
 * decode the input alone with the same options: if that fails too, the input is at fault
 * (corrupt_image, permanent); otherwise the failure was ours or passing, and is returned as is.
 * This costs a second decode, but only on the failure path.
 */
export async function translateDecodeFailure(
  err: unknown,
  bytes: Buffer,
  options: sharp.SharpOptions,
  role: ImageRole,
): Promise<unknown> {
  if (err instanceof PermanentTaskError) return err;
  try {
    await sharp(bytes, options).stats();
  } catch (decodeErr) {
    return new PermanentTaskError('corrupt_image', `the ${role} is truncated or corrupt`, { cause: decodeErr });
  }
  return err;
}
