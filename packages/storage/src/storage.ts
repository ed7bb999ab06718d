import type { Readable } from 'node:stream';
import type { TaskRecord } from '@offload/contracts';
import type { TaskQueries } from './db/task-queries';

/**
 * The narrow storage interface. Handlers and routes see only these stores, so an object store
 * (S3-compatible) can stand behind blobs without touching them.
 */

export interface PutBlobOptions {
  /** Reject (and leave nothing behind) once the source passes this many bytes. */
  maxBytes?: number;
}

export interface BlobStore {
  /**
   * Stores `source` under `key` atomically: readers see the whole blob or none. Writing the same
   * key again replaces it, so a redelivered task rewrites the same output.
   */
  put(key: string, source: Readable | Uint8Array, options?: PutBlobOptions): Promise<{ bytes: number }>;
  /** The whole blob in memory. Throws `BlobNotFoundError` (code `missing_upload`) when absent. */
  read(key: string): Promise<Buffer>;
  /** At most the first `maxBytes` of the blob (to sniff its type). Throws `BlobNotFoundError` when absent. */
  readHead(key: string, maxBytes: number): Promise<Buffer>;
  /** A stream of the blob and its size. Throws `BlobNotFoundError` when absent. */
  open(key: string): Promise<{ stream: Readable; bytes: number }>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** A local file path for engines that read files themselves; undefined when the store has none. */
  localPath(key: string): string | undefined;
}

export type RecordUpdate = (current: TaskRecord) => TaskRecord | undefined;

export type UpdateOutcome =
  | { applied: true; record: TaskRecord }
  /** `update` returned undefined, or asked for a move TASK_TRANSITIONS does not allow. */
  | { applied: false; reason: 'unchanged' | 'transition_not_allowed'; record: TaskRecord }
  | { applied: false; reason: 'not_found'; record: undefined };

export interface CreateOptions {
  /**
   * The upload keys the task's content names (`taskUploads` of contracts), linked to the task in
   * the transaction that creates it: retention keeps them while the task's record exists. Linked
   * even when the record already exists (the same task, created by another process first).
   */
  uploads?: readonly string[];
}

export interface RecordStore {
  /** Creates a record; returns false (and changes nothing but the links) when one with that id exists. */
  create(record: TaskRecord, options?: CreateOptions): Promise<boolean>;
  get(id: string): Promise<TaskRecord | undefined>;
  /**
   * Reads, applies `update` and writes, atomically with respect to every other writer (other
   * processes included). A move that TASK_TRANSITIONS does not allow is refused, so no late or
   * duplicate write can move a record backwards.
   */
  update(id: string, update: RecordUpdate): Promise<UpdateOutcome>;
}

/** What an `Idempotency-Key` was first used for. */
export interface IdempotencyEntry {
  /** A hash of the request the key was first used with (method, route, body). */
  fingerprint: string;
  task_id: string;
  created_at: string;
  expires_at: string;
}

export interface IdempotencyStore {
  /**
   * Runs `fn` exclusively for `key`, across processes, so two racing requests with one key are
   * served one after the other. `fn` sees the live entry (an expired one reads as absent) and
   * returns a value and, optionally, the entry to store under the key.
   */
  exclusive<T>(key: string, fn: (entry: IdempotencyEntry | undefined) => Promise<{ value: T; store?: IdempotencyEntry }>): Promise<T>;
  /** Deletes expired entries; returns how many. */
  sweepExpired(): Promise<number>;
}

/** What a worker process writes at every beat. */
export interface WorkerHeartbeat {
  /** A UUID the process picks at start. */
  id: string;
  host: string;
  pid: number;
  /** The worker package's version. */
  version: string;
  taskTypes: readonly string[];
  concurrency: number;
  /** The tasks it is running now. */
  runningTaskIds: readonly string[];
  startedMs: number;
  /** When this beat was taken (the worker's clock). */
  beatMs: number;
  /** How often it beats. */
  beatIntervalMs: number;
}

export interface WorkerStore {
  /** Writes the worker's row: inserts it on the first beat, replaces it on every later one. */
  beat(heartbeat: WorkerHeartbeat): Promise<void>;
  /** Deletes the worker's row (a graceful stop). Removing an absent row is no error. */
  remove(id: string): Promise<void>;
  /** The rows whose last beat is at or after `beatSinceMs` (every row without it), latest beat first. */
  list(options?: { beatSinceMs?: number }): Promise<WorkerHeartbeat[]>;
  /** Deletes the rows whose last beat is before `beatBeforeMs`; returns how many. */
  sweep(beatBeforeMs: number): Promise<number>;
}

/** An upload as the API stored it. */
export interface UploadInfo {
  /** A key of `newUploadKey()`. */
  key: string;
  content_type: string;
  size: number;
}

export interface UploadRegistry {
  /**
   * Records a stored upload, so retention can delete it once it is older than `RETENTION_S` and
   * no task names it. Calls made together share one write.
   */
  add(upload: UploadInfo): Promise<void>;
}

export interface Storage {
  readonly blobs: BlobStore;
  readonly records: RecordStore;
  /** Listing and counting task records. */
  readonly queries: TaskQueries;
  readonly idempotency: IdempotencyStore;
  /** Which uploads were stored, and when (retention). */
  readonly uploads: UploadRegistry;
  /** Worker heartbeats. */
  readonly workers: WorkerStore;
  /** Throws unless the store can be written now (readiness). */
  checkWritable(): Promise<void>;
  /** Releases connections (a record store on a server); the stores are unusable after. */
  close(): Promise<void>;
}
