import { isTerminalStatus, taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { isUploadKey } from '../keys';
import { judgeUpdate, parseRecord, serializeRecord } from '../record-change';
import { assertRecordId } from '../record-id';
import type { RecordStore, RecordUpdate, ScheduledMessage, UpdateOutcome } from '../storage';
import { insertScheduled } from './db-schedule-store';
import type { RecordDatabase } from './open-database';
import { guarded } from './store-errors';
import { linkUploads } from './upload-links';
import { withWriteTransaction, type Executor } from './write-transaction';

export interface DbRecordStoreOptions {
  /** Operations one transaction takes at most. @defaultValue 512 */
  maxBatch?: number;
  /** Records remembered with their version, so a move needs no read first. @defaultValue 10 000 */
  cacheSize?: number;
  /** The tenant new records belong to when they name none. @defaultValue 'default' */
  defaultTenant?: string;
}

type Op =
  | { kind: 'create'; record: TaskRecord; uploads: readonly string[]; schedule: ScheduledMessage | undefined; resolve: (created: boolean) => void; reject: (err: unknown) => void }
  | { kind: 'get'; id: string; resolve: (record: TaskRecord | undefined) => void; reject: (err: unknown) => void }
  | { kind: 'update'; id: string; update: RecordUpdate; resolve: (outcome: UpdateOutcome) => void; reject: (err: unknown) => void };

interface Versioned {
  record: TaskRecord;
  version: number;
}

/** Attempts at a compare-and-set before an update gives up (only a storm of writers gets there). */
const MAX_CAS_ATTEMPTS = 10;
/** Ids per `IN (…)` list: under SQLite's and PostgreSQL's parameter limits with room to spare. */
const READ_CHUNK = 500;

const ms = (iso: string | undefined): number | null => (iso === undefined ? null : Date.parse(iso));

/**
 * Task records in the record database, with the group commit the worker and the API rely on for
 * speed: every call made while a transaction runs waits for the next one, which takes them all
 * (creates in one statement and their upload links in one more, the records they need in one read,
 * each move a compare-and-set), and each call resolves only once that transaction committed. A move
 * is computed from the stored record by the pure moves of contracts, then written only if the row is
 * still at the version it was read at and the database's `task_transitions` table holds the move: no
 * lost update, no move the transition table forbids, across processes and hosts.
 */
export function createDbRecordStore(database: RecordDatabase, options: DbRecordStoreOptions = {}): RecordStore {
  const maxBatch = options.maxBatch ?? 512;
  const cacheSize = options.cacheSize ?? 10_000;
  const defaultTenant = options.defaultTenant ?? 'default';
  const cache = new Map<string, Versioned>();
  let queue: Op[] = [];
  let running: Promise<void> | undefined;

  const remember = (id: string, value: Versioned | undefined) => {
    cache.delete(id);
    if (value === undefined || isTerminalStatus(value.record.status)) return;
    cache.set(id, value);
    if (cache.size > cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
  };

  function enqueue(op: Op): void {
    queue.push(op);
    if (running === undefined) schedule();
  }

  function schedule(): void {
    running = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await runBatch(batch);
      }
      running = undefined;
    });
  }

  async function readMany(executor: Executor, ids: readonly string[]): Promise<Map<string, Versioned>> {
    const found = new Map<string, Versioned>();
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const rows = await executor.selectFrom('tasks').select(['id', 'version', 'record']).where('id', 'in', ids.slice(i, i + READ_CHUNK)).execute();
      for (const row of rows) found.set(row.id, { record: parseRecord(row.record), version: row.version });
    }
    return found;
  }

  async function compareAndSet(executor: Executor, from: Versioned, next: TaskRecord): Promise<boolean> {
    const result = await executor
      .updateTable('tasks')
      .set({
        status: next.status,
        updated_ms: Date.parse(next.updated_at),
        finished_ms: ms(next.finished_at),
        version: from.version + 1,
        record: serializeRecord(next),
      })
      .where('id', '=', next.id)
      .where('version', '=', from.version)
      .where(({ exists, selectFrom, ref }) =>
        exists(
          selectFrom('task_transitions')
            .select('to_status')
            .whereRef('task_transitions.from_status', '=', ref('tasks.status'))
            .where('task_transitions.to_status', '=', next.status),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** One update, from what this batch knows of the record, retried on a lost compare-and-set. */
  async function applyUpdate(executor: Executor, op: Extract<Op, { kind: 'update' }>, known: Map<string, Versioned | undefined>): Promise<UpdateOutcome> {
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      let current = known.get(op.id);
      if (current === undefined && !known.has(op.id)) {
        current = (await readMany(executor, [op.id])).get(op.id);
        known.set(op.id, current);
      }
      if (current === undefined) return { applied: false, reason: 'not_found', record: undefined };
      const judged = judgeUpdate(current.record, op.update);
      if (!judged.write) return judged.outcome;
      if (await compareAndSet(executor, current, judged.next)) {
        known.set(op.id, { record: judged.next, version: current.version + 1 });
        return { applied: true, record: judged.next };
      }
      // Someone else wrote it since it was read (or cached): read it again.
      known.delete(op.id);
    }
    throw new Error(`task ${op.id}: gave up after ${MAX_CAS_ATTEMPTS} conflicting writes`);
  }

  async function runBatch(batch: Op[]): Promise<void> {
    const settle: (() => void)[] = [];
    const writes = batch.some((op) => op.kind !== 'get');
    try {
      await guarded(async () => {
        const body = async (executor: Executor) => {
          settle.length = 0;
          // What this batch knows: fresh reads for gets and for updates with no cached version.
          const known = new Map<string, Versioned | undefined>();
          const creates = batch.filter((op): op is Extract<Op, { kind: 'create' }> => op.kind === 'create');
          const inserted = new Set<string>();
          if (creates.length > 0) {
            const fresh = new Map<string, TaskRecord>();
            for (const op of creates) if (!fresh.has(op.record.id)) fresh.set(op.record.id, op.record);
            const rows = await executor
              .insertInto('tasks')
              .values(
                [...fresh.values()].map((r) => ({
                  id: r.id,
                  task_type: r.task_type,
                  tenant: r.tenant ?? defaultTenant,
                  status: r.status,
                  created_ms: Date.parse(r.created_at),
                  updated_ms: Date.parse(r.updated_at),
                  finished_ms: ms(r.finished_at),
                  version: 1,
                  record: serializeRecord(r),
                })),
              )
              .onConflict((oc) => oc.column('id').doNothing())
              .returning('id')
              .execute();
            for (const row of rows) {
              inserted.add(row.id);
              const record = fresh.get(row.id);
              if (record !== undefined) known.set(row.id, { record, version: 1 });
            }
            const links = creates.flatMap((op) => op.uploads.map((key) => ({ task_id: op.record.id, upload_key: key })));
            if (links.length > 0) await linkUploads(executor, database.dialect, links);
            // A scheduled task's message is kept with the record that says it waits, or not at all.
            await insertScheduled(
              executor,
              creates.flatMap((op) => (op.schedule !== undefined && inserted.has(op.record.id) ? [op.schedule] : [])),
            );
          }
          const toRead = new Set<string>();
          for (const op of batch) {
            if (op.kind === 'get') toRead.add(op.id);
            if (op.kind === 'update' && !known.has(op.id)) {
              const cached = cache.get(op.id);
              if (cached === undefined) toRead.add(op.id);
              else known.set(op.id, cached);
            }
          }
          const read = await readMany(executor, [...toRead]);
          for (const id of toRead) if (!inserted.has(id)) known.set(id, read.get(id));
          const claimed = new Set<string>();
          for (const op of batch) {
            if (op.kind === 'create') {
              const created = inserted.has(op.record.id) && !claimed.has(op.record.id);
              claimed.add(op.record.id);
              settle.push(() => op.resolve(created));
            } else if (op.kind === 'get') {
              const found = known.get(op.id)?.record;
              settle.push(() => op.resolve(found === undefined ? undefined : structuredClone(found)));
            } else {
              try {
                const outcome = await applyUpdate(executor, op, known);
                settle.push(() => op.resolve(outcome));
              } catch (err) {
                // This update is at fault (it returned an invalid record): the batch goes on.
                settle.push(() => op.reject(err));
              }
            }
          }
          return known;
        };
        const known = writes ? await withWriteTransaction(database, body) : await body(database.db);
        for (const [id, value] of known) remember(id, value);
      });
    } catch (err) {
      for (const op of batch) {
        if (op.kind !== 'create') cache.delete(op.id);
        op.reject(err);
      }
      return;
    }
    for (const done of settle) done();
  }

  return {
    create(record, createOptions = {}) {
      return new Promise((resolve, reject) => {
        assertRecordId(record.id);
        const uploads = (createOptions.uploads ?? []).map((key) => {
          if (!isUploadKey(key)) throw new RangeError(`not an upload key: ${JSON.stringify(key)}`);
          return key;
        });
        if (createOptions.schedule !== undefined && createOptions.schedule.taskId !== record.id) throw new RangeError('the scheduled message is not this task\'s');
        enqueue({ kind: 'create', record: taskRecordSchema.parse(record), uploads, schedule: createOptions.schedule, resolve, reject });
      });
    },
    get(id) {
      return new Promise((resolve, reject) => {
        assertRecordId(id);
        enqueue({ kind: 'get', id, resolve, reject });
      });
    },
    update(id, update) {
      return new Promise((resolve, reject) => {
        assertRecordId(id);
        enqueue({ kind: 'update', id, update, resolve, reject });
      });
    },
  };
}
