import { DEFAULT_TENANT, TASK_TYPE_REGISTRY, classifyError, taskUploads, type FieldProblem, type TaskInput, type TaskType, type TaskUpload, type UploadFacts } from '@offload/contracts';
import { RecordStoreUnavailableError, type Storage } from '@offload/storage';
import type { Logger } from '@offload/telemetry';
import { SNIFF_BYTES, sniffDataset, sniffImage } from './content-sniff';
import { HttpProblem, validationProblem } from './http-errors';
import { orientedWidth } from './image-width';

/** An upload as the server found it: the first bytes of the file, sniffed. */
export interface InspectedUpload extends TaskUpload, UploadFacts {}

/**
 * Bytes read from an image to find its dimensions: past the EXIF and ICC segments a JPEG may
 * carry before its frame header.
 */
const IMAGE_HEAD_BYTES = 256 * 1024;

/**
 * Reads the head of every upload a task refers to. `422 unknown_upload` names every key that was
 * never issued, is gone or belongs to another tenant; `422 validation_failed` names every upload that is not what its field
 * needs (an image given as a dataset, a dataset given as an image or logo), which the worker would
 * surely reject.
 */
export async function inspectUploads(storage: Pick<Storage, 'blobs' | 'uploads'>, input: TaskInput, tenant: string, log: Logger): Promise<InspectedUpload[]> {
  const { blobs } = storage;
  const refs = taskUploads(input.task_type, input.content);
  // Another tenant's upload is as unknown as a key never issued. Uploads stored before tenants
  // (not in the registry with one) belong to the default tenant.
  const owners = await uploadOwners(storage, refs, log);
  const found = await Promise.all(
    refs.map(async (ref): Promise<InspectedUpload | undefined> => {
      if (owners !== undefined && (owners.get(ref.key) ?? DEFAULT_TENANT) !== tenant) return undefined;
      try {
        const head = await blobs.readHead(ref.key, ref.kind === 'image' ? IMAGE_HEAD_BYTES : SNIFF_BYTES);
        const image = sniffImage(head);
        const width = image === undefined ? undefined : orientedWidth(head);
        return { ...ref, contentType: image ?? sniffDataset(head.subarray(0, SNIFF_BYTES)), ...(width === undefined ? {} : { width }) };
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
      missing.map((m) => ({ path: `content.${m.path}`, message: 'no upload with this key', code: 'unknown_upload' })),
    );
  }
  const inspected = found.filter((u) => u !== undefined);
  const wrong = inspected.flatMap((u): FieldProblem[] => {
    const actual = describeUpload(u.contentType);
    const isImage = u.contentType?.startsWith('image/') === true;
    if ((u.kind === 'image') === isImage) return [];
    return [{ path: `content.${u.path}`, message: `the upload ${u.key} is ${actual}, not ${u.kind === 'image' ? 'an image' : 'a dataset'}`, code: 'wrong_upload_type' }];
  });
  if (wrong.length > 0) throw validationProblem(wrong, 'an upload is not what the task needs');
  return inspected;
}

/**
 * Who each upload belongs to; undefined while the record database is away. An upload key is 128
 * random bits that only its uploader was given, so then the key alone stands for its owner, and a
 * submit keeps working as it did before tenants (the worker writes the record later).
 */
async function uploadOwners(storage: Pick<Storage, 'uploads'>, refs: readonly TaskUpload[], log: Logger): Promise<Map<string, string> | undefined> {
  if (refs.length === 0) return new Map();
  try {
    return await storage.uploads.tenantsOf(refs.map((r) => r.key));
  } catch (err) {
    if (!(err instanceof RecordStoreUnavailableError)) throw err;
    log.warn({ err }, 'the record database is unavailable: the uploads are taken on their keys alone');
    return undefined;
  }
}

function describeUpload(contentType: string | undefined): string {
  if (contentType === undefined) return 'neither an image nor a text dataset';
  if (contentType.startsWith('image/')) return `an image (${contentType})`;
  return `a text dataset (${contentType})`;
}

/**
 * `422` for what the type's own rules say cannot work with these uploads (a watermark narrower than
 * a pixel on its image, a thumbnail wider than its image without `enlarge`).
 */
export function assertUploadRules(input: TaskInput, uploads: readonly InspectedUpload[]): void {
  const problems = checkUploads(input.task_type, input.content, Object.fromEntries(uploads.map((u) => [u.path, u])));
  if (problems.length > 0) throw validationProblem(problems.map((p) => ({ ...p, path: `content.${p.path}` })));
}

function checkUploads<T extends TaskType>(taskType: T, content: unknown, uploads: Readonly<Record<string, UploadFacts>>): FieldProblem[] {
  const check = TASK_TYPE_REGISTRY[taskType].checkUploads as ((content: unknown, uploads: Readonly<Record<string, UploadFacts>>) => FieldProblem[]) | undefined;
  return check?.(content, uploads) ?? [];
}
