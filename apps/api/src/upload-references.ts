import type { TaskInput } from '@offload/contracts';
import type { BlobStore } from '@offload/storage';
import { HttpProblem } from './http-errors';

/** The upload keys a task refers to, each with the path a validation error names. */
export function uploadReferences(input: TaskInput): { path: string; key: string }[] {
  switch (input.task_type) {
    case 'watermark': {
      const refs = [{ path: 'content.image', key: input.content.image }];
      if (input.content.watermark.logo !== undefined) refs.push({ path: 'content.watermark.logo', key: input.content.watermark.logo });
      return refs;
    }
    case 'analysis':
      return input.content.dataset === undefined ? [] : [{ path: 'content.dataset', key: input.content.dataset }];
  }
}

/** 422 `unknown_upload` naming every key that was never issued (or has been deleted). */
export async function assertUploadsExist(blobs: BlobStore, input: TaskInput): Promise<void> {
  const refs = uploadReferences(input);
  const missing = (await Promise.all(refs.map(async (ref) => ((await blobs.exists(ref.key)) ? undefined : ref)))).filter(
    (ref) => ref !== undefined,
  );
  if (missing.length > 0) {
    throw new HttpProblem(
      'unknown_upload',
      `no upload with key ${missing.map((m) => m.key).join(', ')}`,
      missing.map((m) => ({ path: m.path, message: 'no upload with this key', code: 'unknown_upload' })),
    );
  }
}
