// Row 6, listing at 1 M records: the filtered task listing (status and task_type, 50 a page, newest
// first) on a database of a million records, first page and a page deep behind a few cursors, p50
// and p99 over many requests, on SQLite and on PostgreSQL: through the built API's
// `GET /v1/tasks` (the figure the issue's target is for), and as the storage package's
// `queries.list()` in this process (the store call alone, for an admin and for one tenant); what
// counting them all costs; and the retention sweep of ~100 000 expired records with their blobs.
//   npx tsx bench/task-listing.ts [--quick] [--runs N] [--profile DIR]
//
// Each request waits for the previous one: latency, not throughput.
import { Agent, request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from '@offload/contracts';
import { openStorage, sweepRetention, type DbStorage, type ListRequest, type RetentionReport } from '@offload/storage';
import { deleteTestTopology } from '@offload/test-support';
import { listingDatabase, LISTING_URL, type ListingDatabase } from './lib/listing-fixture';
import { cpuDuring, postgresPids } from './lib/process-stats';
import { dropDatabase, recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { startApi, type Service } from './lib/services';
import { latency, spread, type Latency } from './lib/stats';
import { BLOB_BYTES, blobFilesLeft, prepareSweep, type SweepFixture } from './lib/sweep-fixture';

const ROW = '6 listing, 1 M records';
export const RECORDS = 1_000_000;
export const PAGE_SIZE = 50;
/** The deep page: this many cursors followed from the first. */
export const DEEP_PAGE = 5;
/** The issue's target for a filtered page, on this machine. */
const TARGET_MS = 50;
const SEED = { records: RECORDS, days: 30, seed: 20_261_202 };
/** Expired records a sweep deletes (the issue's ~100 000; fewer in the quick pass). */
const SWEPT = { full: 100_000, quick: 20_000 };

type Filter = { status: TaskStatus; taskType: TaskType };

/** Every status × task_type filter, from the most common pair to the rarest. */
const FILTERS: Filter[] = TASK_STATUSES.flatMap((status) => TASK_TYPES.map((taskType) => ({ status, taskType })));

/** One page: how long it took and the cursor of the next. */
type Lister = (filter: Filter, cursor: string | undefined) => Promise<{ ms: number; nextCursor: string | undefined; ids: string[] }>;

/**
 * Who lists, and how: through the API (which lists every tenant's tasks: API keys and tenants come
 * with a later issue), and the store call in this process, for an admin and for a tenant (every
 * seeded record belongs to the store's default tenant: one tenant holding everything).
 */
const SIDES = [
  { key: 'http', label: 'GET /v1/tasks', tenant: undefined },
  { key: 'store', label: 'store call', tenant: undefined },
  { key: 'store-tenant', label: 'store call, one tenant', tenant: 'default' },
] as const;
type SideKey = (typeof SIDES)[number]['key'];

interface SideRun {
  first: Latency;
  deep: Latency;
  /** Filters that have no page DEEP_PAGE (fewer records than that): left out of `deep`. */
  shallow: string[];
  /** True when the time budget ended the sampling before the planned count. */
  cutShort: boolean;
}

interface BackendRun {
  sides: Record<SideKey, SideRun>;
  countsMs: Latency;
}

interface SweepRun {
  seconds: number;
  recordsPerSecond: number;
  /** CPU seconds of this process (the sweep runs in it) and of PostgreSQL's processes for the database. */
  cpuSeconds: Record<string, number>;
  report: RetentionReport;
  fixture: SweepFixture;
  /** Blob files still there after the sweep (0 when it deleted all it should). */
  filesLeft: number;
  /** Seconds to copy the seeded database for this sweep. */
  copySeconds: number;
}

function storeLister(storage: DbStorage, tenant: string | undefined): Lister {
  return async (filter, cursor) => {
    const request: ListRequest = {
      statuses: [filter.status],
      taskTypes: [filter.taskType],
      limit: PAGE_SIZE,
      ...(tenant === undefined ? {} : { tenant }),
      ...(cursor === undefined ? {} : { cursor }),
    };
    const started = performance.now();
    const page = await storage.queries.list(request);
    return { ms: performance.now() - started, nextCursor: page.nextCursor, ids: page.tasks.map((t) => t.id) };
  };
}

/** A GET on one kept-alive connection: the status and the whole body, and the ms until its last byte. */
function getOnce(url: string, agent: Agent): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', (err: Error & { reused?: boolean }) => {
      err.reused = req.reusedSocket;
      reject(err);
    });
    req.end();
  });
}

/**
 * As getOnce; a request sent on a kept-alive connection the server closed meanwhile (its
 * keep-alive timeout, 5 s, can end a connection idle while the other backend was measured) is sent
 * again on a new one, as Node's documentation advises, and only that second attempt is timed.
 */
async function get(url: string, agent: Agent): Promise<{ status: number; body: string; ms: number }> {
  try {
    return await getOnce(url, agent);
  } catch (err) {
    const e = err as Error & { reused?: boolean; code?: string };
    if (e.reused === true && (e.code === 'ECONNRESET' || e.message === 'socket hang up')) return await getOnce(url, agent);
    throw err;
  }
}

/** The API's route: a request per page, timed from its start to the body's last byte (parsed after). */
function httpLister(base: string, agent: Agent): Lister {
  return async (filter, cursor) => {
    const params = new URLSearchParams({ status: filter.status, task_type: filter.taskType, limit: String(PAGE_SIZE) });
    if (cursor !== undefined) params.set('cursor', cursor);
    const { status, body, ms } = await get(`${base}/v1/tasks?${params.toString()}`, agent);
    if (status !== 200) throw new Error(`GET /v1/tasks answered ${status}: ${body.slice(0, 300)}`);
    const page = JSON.parse(body) as { tasks: { id: string }[]; next_cursor?: string };
    return { ms, nextCursor: page.next_cursor, ids: page.tasks.map((t) => t.id) };
  };
}

/** First pages, then pages DEEP_PAGE, rotating over the filters, each within `budgetMs`. */
async function measureSide(list: Lister, samples: { first: number; deep: number; budgetMs: number }): Promise<SideRun> {
  const first: number[] = [];
  let cutShort = false;
  let deadline = performance.now() + samples.budgetMs;
  for (let i = 0; i < samples.first; i++) {
    if (performance.now() > deadline) {
      cutShort = true;
      break;
    }
    first.push((await list(FILTERS[i % FILTERS.length] as Filter, undefined)).ms);
  }
  const deep: number[] = [];
  const shallow = new Set<string>();
  let candidates = [...FILTERS];
  deadline = performance.now() + samples.budgetMs;
  for (let i = 0; deep.length < samples.deep && candidates.length > 0; i++) {
    if (performance.now() > deadline) {
      cutShort = true;
      break;
    }
    const filter = candidates[i % candidates.length] as Filter;
    let page = await list(filter, undefined);
    let ms = NaN;
    for (let n = 2; n <= DEEP_PAGE && page.nextCursor !== undefined; n++) {
      page = await list(filter, page.nextCursor);
      if (n === DEEP_PAGE) ms = page.ms;
    }
    if (Number.isNaN(ms)) {
      shallow.add(`${filter.status}/${filter.taskType}`);
      candidates = candidates.filter((c) => c !== filter);
    } else {
      deep.push(ms);
    }
  }
  return { first: latency(first), deep: latency(deep), shallow: [...shallow], cutShort };
}

interface Opened {
  variant: RecordStoreVariant;
  database: ListingDatabase;
  storage: DbStorage;
  api: Service;
  listers: Record<SideKey, Lister>;
}

async function measureBackend(o: Opened, run: number, samples: { first: number; deep: number; counts: number; budgetMs: number }): Promise<BackendRun> {
  const sides = {} as Record<SideKey, SideRun>;
  // The sides' order rotates from run to run, as the backends' does.
  for (let k = 0; k < SIDES.length; k++) {
    const side = SIDES[(run + k) % SIDES.length] as (typeof SIDES)[number];
    // A tenant's rare pairs scan far on SQLite (see RESULTS.md): a shorter budget keeps the row's time in bounds.
    sides[side.key] = await measureSide(o.listers[side.key], side.key === 'store-tenant' ? { ...samples, budgetMs: samples.budgetMs / 2 } : samples);
  }
  const counts: number[] = [];
  for (let i = 0; i < samples.counts; i++) {
    const started = performance.now();
    await o.storage.queries.counts();
    counts.push(performance.now() - started);
  }
  return { sides, countsMs: latency(counts) };
}

/** The same first page through the API and from the store, or the row measures two different things. */
async function checkSameAnswer(o: Opened): Promise<void> {
  for (const filter of FILTERS) {
    const viaApi = await o.listers.http(filter, undefined);
    const viaStore = await o.listers.store(filter, undefined);
    if (viaApi.ids.join() !== viaStore.ids.join()) throw new Error(`${o.variant.name}: GET /v1/tasks and the store call list different pages for ${filter.status}/${filter.taskType}`);
  }
}

/** One retention sweep on a fresh copy of the seeded database, with `target` records past retention. */
async function measureSweep(variant: RecordStoreVariant, target: number, log: (line: string) => void): Promise<SweepRun> {
  const dataDir = await mkdtemp(join(tmpdir(), `offload-bench-sweep-${variant.tag}-`));
  try {
    const database = await listingDatabase(variant, dataDir, SEED, log);
    const copySeconds = 'copied' in database.how ? database.how.copied : database.how.seeded;
    const storage = await openStorage({ dataDir, recordStoreUrl: database.recordStoreUrl });
    try {
      const fixture = await prepareSweep(storage, dataDir, target, database.seedNowMs);
      const groups = variant.name === 'PostgreSQL' ? { postgres: postgresPids(LISTING_URL) } : {};
      const started = performance.now();
      const { result: report, cpuMs } = await cpuDuring(groups, () => sweepRetention(storage, { retentionMs: fixture.retentionMs, now: () => fixture.nowMs }));
      const seconds = (performance.now() - started) / 1000;
      const filesLeft = await blobFilesLeft(dataDir);
      return {
        seconds,
        recordsPerSecond: report.records / seconds,
        cpuSeconds: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, v / 1000])),
        report,
        fixture,
        filesLeft,
        copySeconds,
      };
    } finally {
      await storage.close().catch(() => undefined);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** What a sweep did not do that it should have: empty when it deleted exactly the expired records, their outputs and uploads. */
function sweepShortfalls(s: SweepRun): string[] {
  const { report, fixture } = s;
  return [
    report.records !== fixture.expired ? `${report.records} of ${fixture.expired} records deleted` : undefined,
    report.outputs !== fixture.outputs ? `${report.outputs} of ${fixture.outputs} outputs` : undefined,
    report.uploads !== fixture.uploads ? `${report.uploads} of ${fixture.uploads} uploads` : undefined,
    report.blob_failures > 0 ? `${report.blob_failures} blob deletions failed` : undefined,
    s.filesLeft > 0 ? `${s.filesLeft} blob files left` : undefined,
  ].filter((x) => x !== undefined);
}

export async function measureListing(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const samples = options.quick ? { first: 150, deep: 60, counts: 3, budgetMs: 20_000 } : { first: 450, deep: 180, counts: 5, budgetMs: 60_000 };
  const sweepTarget = options.quick ? SWEPT.quick : SWEPT.full;
  const { variants, skipped } = await recordStoreVariants();
  const prefix = `bench-ls-${process.pid}-${Date.now().toString(36)}`;
  const opened: Opened[] = [];
  const dirs: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const runs: Record<string, BackendRun[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  const sweeps: Record<string, SweepRun[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  try {
    try {
      for (const variant of variants) {
        const dataDir = await mkdtemp(join(tmpdir(), `offload-bench-listing-${variant.tag}-`));
        dirs.push(dataDir);
        const database = await listingDatabase(variant, dataDir, SEED, options.log);
        const storage = await openStorage({ dataDir, recordStoreUrl: database.recordStoreUrl });
        // The built API on the same records. RETENTION_S=0: its sweep must not delete the seeded
        // records (most finished over a week before the seed's "now") while they are listed.
        // AUTH=off (it listens on loopback): every request an admin, with no API key to look up
        // and no per-key rate limit to write; an API from before API keys ignores it.
        const api = await startApi(
          { ...process.env, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'warn', RETENTION_S: '0', AUTH: 'off', RECORD_STORE_URL: database.recordStoreUrl ?? '' },
          `listing-api-${variant.tag}.log`,
          options.profileDir,
        ).catch(async (err: unknown) => {
          await storage.close();
          throw err;
        });
        const listers: Record<SideKey, Lister> = { http: httpLister(api.base, agent), store: storeLister(storage, undefined), 'store-tenant': storeLister(storage, 'default') };
        const o: Opened = { variant, database, storage, api, listers };
        opened.push(o);
        options.log(
          `listing: ${RECORDS.toLocaleString('en-US')} records in ${variant.name}, ${'seeded' in database.how ? `seeded in ${database.how.seeded.toFixed(0)} s` : `copied from the template in ${database.how.copied.toFixed(0)} s`}`,
        );
        // Unmeasured: the JIT of both processes, the connections, the database's caches.
        await checkSameAnswer(o);
        for (const side of SIDES) for (let i = 0; i < 2 * FILTERS.length; i++) await o.listers[side.key](FILTERS[i % FILTERS.length] as Filter, undefined);
      }
      for (let run = 0; run < options.runs; run++) {
        for (let k = 0; k < opened.length; k++) {
          const o = opened[(run + k) % opened.length] as Opened;
          const result = await measureBackend(o, run, samples);
          runs[o.variant.name]?.push(result);
          const text = SIDES.map((side) => {
            const s = result.sides[side.key];
            return `${side.label}: page 1 p50 ${s.first.p50.toFixed(1)} p99 ${s.first.p99.toFixed(1)} ms (n ${s.first.n}), page ${DEEP_PAGE} p50 ${s.deep.p50.toFixed(1)} p99 ${s.deep.p99.toFixed(1)} ms (n ${s.deep.n})${s.cutShort ? ', cut short by the time budget' : ''}`;
          }).join('; ');
          options.log(`listing run ${run + 1}/${options.runs} ${o.variant.name}: ${text}; counts p50 ${result.countsMs.p50.toFixed(0)} ms`);
        }
      }
    } finally {
      for (const { api } of opened) await api.stop().catch(() => undefined);
      for (const { storage } of opened) await storage.close().catch(() => undefined);
      agent.destroy();
    }
    // The sweeps: each on a fresh copy of the seeded database, the backends interleaved.
    for (let run = 0; run < options.runs; run++) {
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(run + k) % variants.length] as RecordStoreVariant;
        const s = await measureSweep(variant, sweepTarget, options.log);
        sweeps[variant.name]?.push(s);
        const short = sweepShortfalls(s);
        options.log(
          `sweep run ${run + 1}/${options.runs} ${variant.name}: ${s.report.records} records, ${s.report.outputs} outputs, ${s.report.uploads} uploads in ${s.seconds.toFixed(2)} s (${Math.round(s.recordsPerSecond)} records/s); CPU s ${Object.entries(s.cpuSeconds)
            .map(([g, v]) => `${g} ${v.toFixed(2)}`)
            .join(', ')}; fixture: copy ${s.copySeconds.toFixed(1)} s, ${s.fixture.outputs + s.fixture.uploads} files written in ${s.fixture.writeSeconds.toFixed(1)} s${short.length ? `; SHORT: ${short.join(', ')}` : ''}`,
        );
      }
    }
    return {
      row: ROW,
      lines: tableLines(runs, sweeps, opened, skipped, sweepTarget),
      details: {
        records: RECORDS,
        seed: SEED,
        pageSize: PAGE_SIZE,
        deepPage: DEEP_PAGE,
        samples,
        filters: FILTERS,
        databases: opened.map((o) => ({ backend: o.variant.name, how: o.database.how })),
        runs,
        sweep: { target: sweepTarget, blobBytes: BLOB_BYTES, runs: sweeps },
      },
      seconds: (Date.now() - begun) / 1000,
    };
  } finally {
    await deleteTestTopology(prefix).catch(() => undefined);
    if (variants.some((v) => v.name === 'PostgreSQL')) await dropDatabase(LISTING_URL).catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

function tableLines(
  runs: Record<string, BackendRun[]>,
  sweeps: Record<string, SweepRun[]>,
  opened: readonly { variant: RecordStoreVariant; database: ListingDatabase }[],
  skipped: string | undefined,
  sweepTarget: number,
): TableLine[] {
  const lines: TableLine[] = [];
  for (const { variant, database } of opened) {
    const these = runs[variant.name] ?? [];
    for (const side of SIDES) {
      const of = (r: BackendRun) => r.sides[side.key];
      const shallow = [...new Set(these.flatMap((r) => of(r).shallow))];
      const cut = these.some((r) => of(r).cutShort);
      // The issue's target is for the page a client gets: the API's route.
      const headline = side.key === 'http';
      for (const [page, pick] of [
        ['page 1', (r: BackendRun) => of(r).first],
        [`page ${DEEP_PAGE}`, (r: BackendRun) => of(r).deep],
      ] as const) {
        for (const p of ['p50', 'p99'] as const) {
          const value = spread(these.map((r) => pick(r)[p]));
          const notes = [
            p === 'p50' && page === 'page 1' && headline && variant.name === 'SQLite'
              ? `every status × task_type pair in turn, ${PAGE_SIZE} a page, one request at a time, timed to the body's last byte on a kept-alive connection; ${'seeded' in database.how ? 'seeded' : 'copied from a template'} (${RECORDS.toLocaleString('en-US')} records over 30 days)`
              : undefined,
            p === 'p50' && page === 'page 1' && side.key === 'store' && variant.name === 'SQLite' ? "storage's queries.list() in the bench process: the store call alone, no HTTP" : undefined,
            p === 'p50' && page !== 'page 1' && shallow.length ? `pairs with no page ${DEEP_PAGE}, left out: ${shallow.join(', ')}` : undefined,
            p === 'p50' && cut ? 'sampling cut short by its time budget (slow requests): see the log for n' : undefined,
          ].filter((n) => n !== undefined);
          lines.push({
            row: ROW,
            metric: `filtered ${page} ${p} ms, ${side.label}, ${variant.name}`,
            unit: 'ms',
            offload: value,
            ...(headline ? { target: `< ${TARGET_MS} ms`, met: value.median < TARGET_MS } : {}),
            ...(notes.length ? { note: notes.join('; ') } : {}),
          });
        }
      }
    }
    lines.push({ row: ROW, metric: `counts per type and status ms, store call, ${variant.name}`, unit: 'ms', offload: spread(these.map((r) => r.countsMs.p50)) });
  }
  if (skipped) lines.push({ row: ROW, metric: 'filtered page, PostgreSQL', unit: 'ms', note: skipped });
  for (const { variant } of opened) {
    const these = sweeps[variant.name] ?? [];
    if (these.length === 0) continue;
    const short = these.flatMap((s) => sweepShortfalls(s));
    const first = these[0] as SweepRun;
    const cpu = Object.keys(first.cpuSeconds).map((g) => `${g} ${spread(these.map((s) => s.cpuSeconds[g] ?? NaN)).median.toFixed(1)} s`);
    lines.push({
      row: ROW,
      metric: `retention sweep s, ${sweepTarget.toLocaleString('en-US')} expired of ${RECORDS.toLocaleString('en-US')} records, ${variant.name}`,
      unit: 's',
      offload: spread(these.map((s) => s.seconds)),
      note: [
        `one sweepRetention() call (batches of 500) in the bench process on a fresh copy of the seeded database; per sweep ${first.fixture.expired.toLocaleString('en-US')} records, ${first.fixture.outputs.toLocaleString('en-US')} output and ${first.fixture.uploads.toLocaleString('en-US')} upload rows and blob files (${BLOB_BYTES / 1024} KB each) deleted; CPU (median) ${cpu.join(', ')}`,
        short.length ? `NOT ALL DELETED: ${short.join('; ')}` : 'every expired record, output and upload gone, no blob file left',
      ].join('; '),
    });
    lines.push({ row: ROW, metric: `retention sweep records/s, ${variant.name}`, unit: 'per_s', offload: spread(these.map((s) => s.recordsPerSecond)) });
  }
  return lines;
}

if (require.main === module) runRowCli(measureListing);
