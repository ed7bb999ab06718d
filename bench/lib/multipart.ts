import { randomBytes } from 'node:crypto';
import { WATERMARK_FIELDS } from './images';

export interface MultipartBody {
  body: Buffer;
  contentType: string;
}

/**
 * A `POST /v1/images` body (file field `image` plus the watermark fields), encoded once: the
 * client then only sends bytes, so its own CPU stays out of the way of the processes measured.
 */
export function multipartImage(image: Buffer, fields: Readonly<Record<string, string>> = WATERMARK_FIELDS): MultipartBody {
  const boundary = `----offload-bench-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), image, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
