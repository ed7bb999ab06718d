import { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { TASK_OPTION_FIELDS, TASK_TYPE_REGISTRY, TASK_TYPES, taskInputSchema, taskOptionsShape, toFieldProblems, type FieldProblem, type TaskForm, type TaskType, type UploadKind } from '@offload/contracts';
import { needs } from '../access';
import { acceptTask } from '../accept-task';
import { coerceFormFields, formFieldKinds, type FormFieldKind } from '../form-fields';
import { HttpProblem, validationProblem } from '../http-errors';
import { discardUploads, multipartFields, uploadedFiles } from '../multipart';
import type { TaskRoutesDeps } from './tasks';
import { requireMultipart } from './uploads';

export interface TaskFormLimits {
  /** Largest image file. */
  uploadMaxBytes: number;
  /** Largest dataset file. */
  datasetMaxBytes: number;
  /** Runs before a body is read: holds one of the key's upload slots (see upload-slots.ts). */
  uploadSlot: RequestHandler;
}

const WHAT_IT_TAKES: Readonly<Record<UploadKind, string>> = {
  image: 'an image (JPEG, PNG, WebP, GIF, AVIF or TIFF)',
  dataset: 'a text dataset (CSV, TSV, JSON array or NDJSON)',
};

function isKind(kind: UploadKind, contentType: string): boolean {
  return kind === 'image' ? contentType.startsWith('image/') : contentType === 'text/csv' || contentType === 'application/json';
}

/** Sets a dotted path in a plain object, making the objects on the way; keys are defined, never assigned. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return;
  if (rest.length === 0) {
    Object.defineProperty(target, head, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  const next = Object.hasOwn(target, head) ? target[head] : undefined;
  const child: Record<string, unknown> = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
  setPath(child, rest.join('.'), value);
  setPath(target, head, child);
}

/** The object schema at a dotted path of the content schema (`''`: the content itself). */
function shapeAt(schema: z.ZodType, path: string): Readonly<Record<string, z.ZodType>> {
  let current: unknown = schema;
  for (const part of path === '' ? [] : path.split('.')) {
    const shape: unknown = current !== null && typeof current === 'object' ? Reflect.get(current, 'shape') : undefined;
    current = shape !== null && typeof shape === 'object' ? Reflect.get(shape, part) : undefined;
  }
  const shape: unknown = current !== null && typeof current === 'object' ? Reflect.get(current, 'shape') : undefined;
  if (shape === null || typeof shape !== 'object') throw new TypeError(`the content schema has no object at ${JSON.stringify(path)}`);
  return shape as Readonly<Record<string, z.ZodType>>;
}

/** A problem's path in the content, as the form names it: the file field, or the text field. */
function formPath(contentPath: string, form: TaskForm): string {
  const file = Object.entries(form.files).find(([, f]) => f.at === contentPath);
  if (file !== undefined) return file[0];
  return form.optionsAt !== '' && contentPath.startsWith(`${form.optionsAt}.`) ? contentPath.slice(form.optionsAt.length + 1) : contentPath;
}

/** How the task options' text fields are read (`delay_ms` as a number). */
const OPTION_KINDS: Readonly<Record<string, FormFieldKind>> = formFieldKinds(taskOptionsShape);

/** The text fields that are the task's options (run_at, delay_ms, priority, callback_url), and the rest: the content's. */
function splitOptions(body: unknown): { options: Record<string, unknown>; rest: Record<string, unknown> } {
  const fields = coerceFormFields(body, OPTION_KINDS);
  const options: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const into = (TASK_OPTION_FIELDS as readonly string[]).includes(name) ? options : rest;
    Object.defineProperty(into, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { options, rest };
}

/** One multipart route per task type with a form: upload the files, then accept the task. */
function taskFormRoute(router: Router, taskType: TaskType, form: TaskForm, deps: TaskRoutesDeps & TaskFormLimits): void {
  const definition = TASK_TYPE_REGISTRY[taskType];
  const files = Object.entries(form.files).map(([field, f]) => ({ field, ...f, kind: definition.uploads[f.at] ?? 'image' }));
  const maxFileBytes = Math.max(...files.map((f) => (f.kind === 'dataset' ? deps.datasetMaxBytes : deps.uploadMaxBytes)));
  const kinds: Readonly<Record<string, FormFieldKind>> = formFieldKinds(shapeAt(definition.input, form.optionsAt));
  const upload = multipartFields(
    deps.storage,
    files.map((f) => ({ name: f.field, maxCount: 1 })),
    { maxFileBytes },
  );
  router.post(form.path, needs('tasks:write'), requireMultipart, deps.uploadSlot, upload, async (req: Request, res) => {
    try {
      const stored = uploadedFiles(req);
      const missing = files.filter((f) => f.required && stored[f.field]?.[0] === undefined);
      if (missing.length > 0) {
        throw validationProblem(missing.map((f) => ({ path: f.field, message: `multipart file field "${f.field}" is required`, code: 'invalid_type' })));
      }
      const split = splitOptions(req.body);
      const options = coerceFormFields(split.rest, kinds);
      // Not Object.assign: it would assign a field named __proto__ (dropping it) rather than copy it.
      const content: Record<string, unknown> = form.optionsAt === '' ? options : {};
      if (form.optionsAt !== '') setPath(content, form.optionsAt, options);
      // What makes two requests under one Idempotency-Key "the same": the options and the files' bytes.
      const sameRequest: Record<string, unknown> = { ...structuredClone(content), ...split.options };
      for (const f of files) {
        const file = stored[f.field]?.[0];
        if (file === undefined) continue;
        if (!isKind(f.kind, file.mimetype)) throw new HttpProblem('unsupported_media_type', `the "${f.field}" file is not ${WHAT_IT_TAKES[f.kind]}`);
        setPath(content, f.at, file.filename);
        setPath(sameRequest, f.at, file.sha256 ?? null);
      }
      const parsed = taskInputSchema.safeParse({ task_type: taskType, content, ...split.options });
      if (!parsed.success) {
        const problems = toFieldProblems(parsed.error).map((p): FieldProblem => ({ ...p, path: formPath(p.path.replace(/^content\.?/, ''), form) }));
        throw validationProblem(problems);
      }
      const outcome = await acceptTask(deps, req, res, parsed.data, sameRequest).catch((err: unknown) => {
        // The checks of the uploads name paths in the content; a form names its fields.
        if (!(err instanceof HttpProblem) || err.fieldProblems === undefined) throw err;
        const problems = err.fieldProblems.map((p) => ({ ...p, path: formPath(p.path.replace(/^content\.?/, ''), form) }));
        throw new HttpProblem(err.code, err.message, problems, err.headers);
      });
      // A replay answers with the task the key first created; this request's files are not needed.
      if (outcome.kind === 'replayed') await discardUploads(deps.storage.blobs, req);
    } catch (err) {
      await discardUploads(deps.storage.blobs, req);
      throw err;
    }
  });
}

/** `POST /v1/images`, `/v1/thumbnails`, `/v1/datasets`, …: every registered task type's form. */
export function taskFormRoutes(deps: TaskRoutesDeps & TaskFormLimits): Router {
  const router = Router();
  for (const taskType of TASK_TYPES) {
    const form = TASK_TYPE_REGISTRY[taskType].form;
    if (form !== undefined) taskFormRoute(router, taskType, form, deps);
  }
  return router;
}
