import type { Readable } from 'node:stream';
import type { ApiKeyScope, TaskRecord } from '@offload/contracts';
import type { TaskActivity } from './db/task-activity';
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
  /**
   * A scheduled task's message, kept (in the same transaction as the record) until it is due:
   * ScheduleStore hands it to the process that publishes it.
   */
  schedule?: ScheduledMessage;
}

/** The message of a scheduled task, as it will be published when due. */
export interface ScheduledMessage {
  taskId: string;
  dueMs: number;
  routingKey: string;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/**
 * Scheduled tasks' messages until they are due. A process claims due ones under a lease (no other
 * claims them until it ends), publishes each, then removes it; one that died mid-way leaves its
 * lease to expire and another publishes it again (a worker drops a copy whose record moved on).
 */
export interface ScheduleStore {
  /** Up to `limit` messages due at `nowMs` and not leased, now leased to the caller for `leaseMs`. */
  claimDue(nowMs: number, limit: number, leaseMs: number): Promise<ScheduledMessage[]>;
  /** When the earliest message falls due (or its lease ends); undefined when none waits. */
  nextDueMs(): Promise<number | undefined>;
  /** Forgets a task's message (published, or its task cancelled). */
  remove(taskIds: readonly string[]): Promise<void>;
  /** Puts `message` in place of the task's (its webhook announcement once it was cancelled), unleased. */
  replace(message: ScheduledMessage): Promise<void>;
  /** Messages waiting, leased or not. */
  count(): Promise<number>;
}

/** Per-tenant secrets of webhook signatures (Standard Webhooks: `whsec_` and base64 of 32 bytes). */
export interface WebhookSecretStore {
  /** The tenant's secret, made on first use. */
  secretFor(tenant: string): Promise<string>;
  /** Replaces the tenant's secret and returns the new one. */
  rotate(tenant: string): Promise<string>;
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
  /** The tenant of the key that stored it. @defaultValue 'default' */
  tenant?: string;
}

export interface UploadRegistry {
  /**
   * Records a stored upload, so retention can delete it once it is older than `RETENTION_S` and
   * no task names it. Calls made together share one write.
   */
  add(upload: UploadInfo): Promise<void>;
  /** Upload key → tenant, for the keys it has a row of (the others are absent from the map). */
  tenantsOf(keys: readonly string[]): Promise<Map<string, string>>;
}

/** An API key as listed: never its secret, nor the secret's hash. */
export interface ApiKey {
  /** A UUID. */
  id: string;
  /** Unique among all keys, revoked ones included. */
  name: string;
  tenant: string;
  scopes: ApiKeyScope[];
  /** The secret's first 12 characters (`ofk_` and 8 more), to tell keys apart in a listing. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
  /** The key's own rate limit (requests per second); absent: the server's default. */
  rateRps?: number;
  /** The key's own burst; absent: the server's default. */
  rateBurst?: number;
}

export interface NewApiKey {
  /** 1–64 of A–Z, a–z, 0–9, `.`, `_` and `-` (API_KEY_NAME_PATTERN). */
  name: string;
  /** A tenant name (TENANT_PATTERN). */
  tenant: string;
  /** At least one. */
  scopes: readonly ApiKeyScope[];
  /** Positive. */
  rateRps?: number;
  /** A positive integer. */
  rateBurst?: number;
  /** Use this secret instead of a new random one (a bootstrap key from a Secret); must pass isApiKeySecret. */
  secret?: string;
}

export interface ApiKeyStore {
  /**
   * Stores a new key and returns it with its secret, the only time the secret is seen. Throws
   * ApiKeyNameTakenError when a key (revoked or not) has the name, ApiKeySecretTakenError when
   * `secret` is another key's.
   */
  create(key: NewApiKey): Promise<{ key: ApiKey; secret: string }>;
  /** The live (not revoked) key whose secret this is; undefined otherwise. Hash lookup; constant-time comparison of the hashes. */
  authenticate(secret: string): Promise<ApiKey | undefined>;
  /** Every key, revoked ones included, by name. */
  list(): Promise<ApiKey[]>;
  /** Revokes the live key of that name; false when there is none. */
  revoke(name: string): Promise<boolean>;
  /** How many keys are not revoked. */
  countLive(): Promise<number>;
}

export interface RateLimit {
  /** Sustained requests per second; positive. */
  rps: number;
  /** Requests allowed at once from a full bucket; an integer, at least 1. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The burst: what a full bucket allows at once. */
  limit: number;
  /** Requests still allowed at once after this one. */
  remaining: number;
  /** ms until the bucket is full again */
  resetMs: number;
  /** ms to wait before a retry; 0 when allowed */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes one request from `bucket` (GCRA), shared by every process on the same database. `nowMs`
   * replaces the clock (tests). @defaultValue Date.now()
   */
  take(bucket: string, limit: RateLimit, nowMs?: number): Promise<RateDecision>;
}

export interface Storage {
  readonly blobs: BlobStore;
  readonly records: RecordStore;
  /** Listing and counting task records. */
  readonly queries: TaskQueries;
  /** What changed since a moment, and what finished in a window (the console's live pages). */
  readonly activity: TaskActivity;
  readonly idempotency: IdempotencyStore;
  /** Which uploads were stored, and when (retention). */
  readonly uploads: UploadRegistry;
  /** Worker heartbeats. */
  readonly workers: WorkerStore;
  /** API keys (hashed). */
  readonly keys: ApiKeyStore;
  /** Per-key request rates, shared by every API process. */
  readonly rateLimits: RateLimiter;
  /** Scheduled tasks' messages until they are due. */
  readonly schedule: ScheduleStore;
  /** Per-tenant webhook signing secrets. */
  readonly webhookSecrets: WebhookSecretStore;
  /** Throws unless the store can be written now (readiness). */
  checkWritable(): Promise<void>;
  /** Releases connections (a record store on a server); the stores are unusable after. */
  close(): Promise<void>;
}
