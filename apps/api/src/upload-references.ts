import { classifyError, type FieldProblem, type TaskInput } from '@offload/contracts';
import type { BlobStore } from '@offload/storage';
import { SNIFF_BYTES, sniffDataset, sniffImage } from './content-sniff';
import { HttpProblem, validationProblem } from './http-errors';

/** What a task needs an upload to be. */
export type UploadKind = 'image' | 'dataset';

/** An upload key a task refers to, the path a validation error names, and what it must be. */
export interface UploadReference {
  path: string;
  key: string;
  kind: UploadKind;
}

/** An upload as the server found it: the first bytes of the file, sniffed. */
export interface InspectedUpload extends UploadReference {
  head: Buffer;
  contentType: string | undefined;
}

/**
 * Bytes read from an image to find its dimensions: past the EXIF and ICC segments a JPEG may
 * carry before its frame header.
 */
const IMAGE_HEAD_BYTES = 256 * 1024;

/** The upload keys a task refers to. */
export function uploadReferences(input: TaskInput): UploadReference[] {
  switch (input.task_type) {
    case 'watermark': {
      const refs: UploadReference[] = [{ path: 'content.image', key: input.content.image, kind: 'image' }];
      if (input.content.watermark.logo !== undefined) refs.push({ path: 'content.watermark.logo', key: input.content.watermark.logo, kind: 'image' });
      return refs;
    }
    case 'analysis':
      return input.content.dataset === undefined ? [] : [{ path: 'content.dataset', key: input.content.dataset, kind: 'dataset' }];
  }
}

/**
 * Reads the head of every upload a task refers to. `422 unknown_upload` names every key that was
 * never issued (or is gone); `422 validation_failed` names every upload that is not what its field
 * needs (an image given as a dataset, a dataset given as an image or logo), which the worker would
 * surely reject.
 */
export async function inspectUploads(blobs: BlobStore, input: TaskInput): Promise<InspectedUpload[]> {
  const refs = uploadReferences(input);
  const found = await Promise.all(
    refs.map(async (ref): Promise<InspectedUpload | undefined> => {
      try {
        const head = await blobs.readHead(ref.key, ref.kind === 'image' ? IMAGE_HEAD_BYTES : SNIFF_BYTES);
        const sniffed = sniffImage(head) ?? sniffDataset(head.subarray(0, SNIFF_BYTES));
        return { ...ref, head, contentType: sniffed };
      } catch (err) {
        if (classifyError(err).code === 'missing_upload') return undefined;
        throw err;
      }
    }),
  );
  const missing = refs.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) {
    throw new HttpProblem(
      'unknown_upload',
      `no upload with key ${missing.map((m) => m.key).join(', ')}`,
      missing.map((m) => ({ path: m.path, message: 'no upload with this key', code: 'unknown_upload' })),
    );
  }
  const inspected = found.filter((u) => u !== undefined);
  const wrong = inspected.flatMap((u): FieldProblem[] => {
    const actual = describeUpload(u.contentType);
    const isImage = u.contentType?.startsWith('image/') === true;
    if ((u.kind === 'image') === isImage) return [];
    return [{ path: u.path, message: `the upload ${u.key} is ${actual}, not ${u.kind === 'image' ? 'an image' : 'a dataset'}`, code: 'wrong_upload_type' }];
  });
  if (wrong.length > 0) throw validationProblem(wrong, 'an upload is not what the task needs');
  return inspected;
}

function describeUpload(contentType: string | undefined): string {
  if (contentType === undefined) return 'neither an image nor a text dataset';
  if (contentType.startsWith('image/')) return `an image (${contentType})`;
  return `a text dataset (${contentType})`;
}
