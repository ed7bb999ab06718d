/**
 * The record database's tables, as Kysely sees them. One schema for SQLite and PostgreSQL: times
 * are milliseconds since the epoch (integers sort and compare alike in both), documents are JSON
 * text, and every column a query filters or sorts on is a column of its own.
 */
export interface TasksTable {
  id: string;
  task_type: string;
  tenant: string;
  status: string;
  created_ms: number;
  updated_ms: number;
  /** When it became succeeded, failed or cancelled: what retention counts from. */
  finished_ms: number | null;
  /** Bumped by every write: an update applies only to the version it was computed from. */
  version: number;
  /** The whole task record (taskRecordSchema) as JSON. */
  record: string;
}

/** The moves TASK_TRANSITIONS allows, as rows: an update must find its move here. */
export interface TaskTransitionsTable {
  from_status: string;
  to_status: string;
}

export interface IdempotencyKeysTable {
  /** SHA-256 of the client's key (hex): any string is safe, and none is stored as sent. */
  key_hash: string;
  fingerprint: string | null;
  task_id: string | null;
  created_ms: number | null;
  expires_ms: number | null;
  /** Who holds the key's lease while serving a request under it, and until when. */
  lease_owner: string | null;
  lease_until_ms: number | null;
}

/** One worker process's heartbeat row, written by the worker every beat interval. */
export interface WorkersTable {
  /** A UUID the process picks at start. */
  id: string;
  host: string;
  pid: number;
  /** The worker package's version. */
  version: string;
  /** The task types it consumes, as a JSON array. */
  task_types: string;
  concurrency: number;
  /** The ids of the tasks it runs as of its last beat, as a JSON array. */
  running_task_ids: string;
  started_ms: number;
  beat_ms: number;
  /** Its own beat interval: readers judge it lost after three silent intervals, with no worker config. */
  beat_interval_ms: number;
}

/** An upload the API stored (`up_<hex>`): retention deletes it once it is old and no task names it. */
export interface UploadsTable {
  key: string;
  content_type: string;
  size: number;
  created_ms: number;
  /** The tenant of the key that stored it (`default` for uploads from before migration 0004). */
  tenant: string;
}

/** A task whose content names an upload: the upload stays while the task's row does. */
export interface TaskUploadsTable {
  task_id: string;
  upload_key: string;
}

/** A blob to delete whose rows are already gone; whoever holds it has claimed it until `due_ms`. */
export interface BlobDeletionsTable {
  key: string;
  due_ms: number;
}

/** An API key. The secret itself is never stored. */
export interface ApiKeysTable {
  id: string;
  name: string;
  tenant: string;
  /** Comma-separated ApiKeyScope values. */
  scopes: string;
  /** SHA-256 of the secret, hex. */
  key_hash: string;
  /** The secret's first 12 characters, for listings. */
  prefix: string;
  created_ms: number;
  revoked_ms: number | null;
  rate_rps: number | null;
  rate_burst: number | null;
}

/** GCRA state of one rate-limit bucket: its theoretical arrival time, in (fractional) ms. */
export interface RateLimitsTable {
  bucket: string;
  tat_ms: number;
}

/** A scheduled task's message, kept until it is due and published (see ScheduleStore). */
export interface ScheduledTasksTable {
  task_id: string;
  due_ms: number;
  /** Until then one API process is publishing it; 0 when none is. */
  lease_until_ms: number;
  routing_key: string;
  /** The message body (the envelope JSON). */
  body: string;
  /** The message's headers, JSON. */
  headers: string;
}

/** The secret a tenant's webhooks are signed with (Standard Webhooks, `whsec_…`). */
export interface WebhookSecretsTable {
  tenant: string;
  secret: string;
  created_ms: number;
}

export interface Database {
  tasks: TasksTable;
  task_transitions: TaskTransitionsTable;
  idempotency_keys: IdempotencyKeysTable;
  uploads: UploadsTable;
  task_uploads: TaskUploadsTable;
  blob_deletions: BlobDeletionsTable;
  workers: WorkersTable;
  api_keys: ApiKeysTable;
  rate_limits: RateLimitsTable;
  scheduled_tasks: ScheduledTasksTable;
  webhook_secrets: WebhookSecretsTable;
}
