import type { TaskRecord } from '@offload/contracts';
import { openStorage, type DbStorage, type Storage } from '@offload/storage';
import { waitUntil } from '@offload/test-support';
import type { Submission } from './api-client';
import { readExecutionLogs, type ExecutionLogs } from './execution-log';
import { idempotencyRows } from './idempotency-rows';
import { outputKeyOf, sha256 } from './fault-output';

/**
 * The history checker, after the queue checker Jepsen runs against RabbitMQ: the client's
 * history (what the API answered) is compared with the final state (records, outputs, the fault
 * workers' execution logs). Definitions, over the tasks of one test file:
 *
 * - accepted: the API answered 202; the body names the task id.
 * - not accepted: the API answered 503. Its body names no task, so the id is the one the API
 *   stored under the request's Idempotency-Key (stored even when it refuses the task); a 503 to a
 *   request without a key names none.
 * - indeterminate: any other answer, or none (timeout, reset): the client cannot tell.
 * - succeeded: accepted, record `succeeded`, its output blob exists and was written by an
 *   execution in the logs, and it is not duplicated.
 * - failed: accepted, record `failed` with a code other than `not_accepted` (counted per code).
 * - stuck: accepted, record present but still queued, processing or retrying at the deadline.
 * - lost: accepted, and at the end the record is missing, or `failed` / `not_accepted` (the
 *   system disowned a task it acknowledged), or `succeeded` without an output blob that some
 *   execution wrote. Lost and stuck never overlap.
 * - duplicated: a task whose executions logged two or more different output hashes, or whose
 *   stored output matches none of them (an execution's output was replaced by another's).
 * - unexpected: a record in the store, or a started execution, whose id no 202 and no 503
 *   named.
 * - not-accepted violations: a 503 task whose record is not `failed` / `not_accepted`, or that
 *   any worker started.
 * - re-executed: tasks executed to completion more than once. Allowed (at-least-once); reported.
 */
export interface CheckResult {
  submitted: number;
  accepted: number;
  notAccepted: number;
  indeterminate: number;
  succeeded: number;
  failed: Record<string, number>;
  lost: string[];
  duplicated: string[];
  unexpected: string[];
  stuck: string[];
  notAcceptedViolations: string[];
  reexecuted: number;
  /** Final records of the accepted tasks, by id. */
  records: ReadonlyMap<string, TaskRecord>;
  logs: ExecutionLogs;
}

/** Where a system under test keeps its records: SQLite in DATA_DIR, or a PostgreSQL database. */
export interface RecordLocation {
  dataDir: string;
  /** RECORD_STORE_URL. */
  url?: string;
}

export interface CheckOptions {
  dataDir: string;
  /** @defaultValue files in `dataDir` */
  records?: RecordLocation;
  /** How long to wait for every accepted task to reach `succeeded` or `failed`. */
  deadlineMs: number;
}

const TERMINAL: readonly TaskRecord['status'][] = ['succeeded', 'failed'];

export async function checkHistory(submissions: readonly Submission[], options: CheckOptions): Promise<CheckResult> {
  const location = options.records ?? { dataDir: options.dataDir };
  const storage = await openStorage({
    dataDir: options.dataDir,
    ...(location.url === undefined ? {} : { recordStoreUrl: location.url }),
  });
  try {
    return await checkWith(storage, submissions, options);
  } finally {
    await storage.close();
  }
}

async function checkWith(storage: DbStorage, submissions: readonly Submission[], options: CheckOptions): Promise<CheckResult> {
  const accepted = new Set(submissions.flatMap((s) => (s.outcome === 'accepted' ? [s.id] : [])));
  const refused = await notAcceptedIds(storage, submissions);
  await waitForTerminal(storage, accepted, options.deadlineMs);

  const logs = await readExecutionLogs(options.dataDir);
  const hashes = new Map<string, Set<string>>();
  for (const e of logs.executions) hashes.set(e.id, (hashes.get(e.id) ?? new Set<string>()).add(e.sha256));
  const executionCounts = new Map<string, number>();
  for (const e of logs.executions) executionCounts.set(e.id, (executionCounts.get(e.id) ?? 0) + 1);
  const started = new Set(logs.starts.map((s) => s.id));
  const named = new Set([...accepted, ...refused]);
  const records = new Map<string, TaskRecord>();

  const result: CheckResult = {
    submitted: submissions.length,
    accepted: accepted.size,
    notAccepted: submissions.filter((s) => s.outcome === 'not_accepted').length,
    indeterminate: submissions.filter((s) => s.outcome === 'indeterminate').length,
    succeeded: 0,
    failed: {},
    lost: [],
    duplicated: [],
    unexpected: [],
    stuck: [],
    notAcceptedViolations: [],
    reexecuted: [...executionCounts.values()].filter((n) => n > 1).length,
    records,
    logs,
  };

  for (const [id, logged] of hashes) {
    const stored = await storedOutputHash(storage, id);
    if (logged.size > 1 || (stored !== undefined && !logged.has(stored))) result.duplicated.push(id);
  }

  const finals = await readAll(storage, [...accepted]);
  for (const id of accepted) {
    const record = finals.get(id);
    if (record === undefined) {
      result.lost.push(id);
      continue;
    }
    records.set(id, record);
    if (!TERMINAL.includes(record.status)) result.stuck.push(id);
    else if (record.status === 'failed') {
      const code = record.error?.code ?? 'unknown';
      if (code === 'not_accepted') result.lost.push(id);
      else result.failed[code] = (result.failed[code] ?? 0) + 1;
    } else {
      const stored = await storedOutputHash(storage, id);
      if (stored === undefined || !hashes.get(id)?.has(stored)) result.lost.push(id);
      else if (!result.duplicated.includes(id)) result.succeeded++;
    }
  }

  const seen = new Set([...(await recordIds(storage)), ...started]);
  result.unexpected.push(...[...seen].filter((id) => !named.has(id)));

  const refusedRecords = await readAll(storage, [...refused]);
  for (const id of refused) {
    const record = refusedRecords.get(id);
    if (record?.status !== 'failed' || record.error?.code !== 'not_accepted' || started.has(id)) result.notAcceptedViolations.push(id);
  }
  return result;
}

/** One line with the counts and the seed, so a failure can be replayed with FAULT_SEED. */
export function printCheck(label: string, seed: number, result: CheckResult, elapsedMs: number): void {
  const failed = Object.entries(result.failed).map(([code, n]) => `${code}:${n}`).join(',') || '0';
  process.stdout.write(
    `[faults] ${label} seed=${seed} submitted=${result.submitted} accepted=${result.accepted} not_accepted=${result.notAccepted} ` +
      `indeterminate=${result.indeterminate} succeeded=${result.succeeded} failed=${failed} lost=${result.lost.length} ` +
      `duplicated=${result.duplicated.length} unexpected=${result.unexpected.length} stuck=${result.stuck.length} ` +
      `not_accepted_violations=${result.notAcceptedViolations.length} reexecuted=${result.reexecuted} time=${elapsedMs}ms\n`,
  );
}

/** The ids the API stored under the Idempotency-Keys of the 503 answers. */
async function notAcceptedIds(storage: DbStorage, submissions: readonly Submission[]): Promise<Set<string>> {
  const keys = submissions.flatMap((s) => (s.outcome === 'not_accepted' && s.idempotencyKey !== undefined ? [s.idempotencyKey] : []));
  const rows = await idempotencyRows(storage, keys);
  return new Set([...rows.values()].flatMap((row) => (row.taskId === null ? [] : [row.taskId])));
}

async function waitForTerminal(storage: Storage, ids: ReadonlySet<string>, timeoutMs: number): Promise<void> {
  let pending = [...ids];
  try {
    await waitUntil(
      async () => {
        const records = await readAll(storage, pending);
        pending = pending.filter((id) => {
          const record = records.get(id);
          return record === undefined || !TERMINAL.includes(record.status);
        });
        return pending.length === 0;
      },
      { timeoutMs, intervalMs: 100, description: 'every accepted task to finish' },
    );
  } catch {
    // Past the deadline: what is still open is counted as stuck or lost.
  }
}

async function storedOutputHash(storage: Storage, id: string): Promise<string | undefined> {
  try {
    return sha256(await storage.blobs.read(outputKeyOf(id)));
  } catch {
    return undefined;
  }
}

/** The records of `ids` (absent ones left out), asked for at once: the store reads them in one batch. */
async function readAll(storage: Storage, ids: readonly string[]): Promise<Map<string, TaskRecord>> {
  const records = await Promise.all(ids.map((id) => storage.records.get(id)));
  const found = new Map<string, TaskRecord>();
  records.forEach((record, i) => {
    const id = ids[i];
    if (record !== undefined && id !== undefined) found.set(id, record);
  });
  return found;
}

/** Every record id in the store. */
async function recordIds(storage: Storage): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.queries.list({ limit: 200, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.tasks.map((t) => t.id));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ids;
}
