import { z } from 'zod';

/**
 * Keys the server issues for stored files. A client only ever passes one of these back;
 * they never contain a path, so no client input can name a file on disk.
 */
export const UPLOAD_KEY_PATTERN = /^up_[0-9a-f]{32}$/;

export const uploadKeySchema = z
  .string()
  .regex(UPLOAD_KEY_PATTERN, { message: 'must be an upload key issued by POST /v1/uploads (up_ followed by 32 hex digits)' })
  .describe('A key issued by POST /v1/uploads');
export type UploadKey = z.infer<typeof uploadKeySchema>;
