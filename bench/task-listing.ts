// Row 6, listing at 1 M records: the filtered task listing (status and task_type, 50 a page, newest
// first) on a database of a million records, first page and a page deep behind a few cursors, p50
// and p99 over many requests, on SQLite and on PostgreSQL; and what counting them all costs.
//   npx tsx bench/task-listing.ts [--quick] [--runs N]
//
// GET /v1/tasks is not in the API yet, so this measures what the route will call, the storage
// package's `queries.list()`, in this process (TODO(#12): measure the route once it is there).
// Each request waits for the previous one: latency, not throughput.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from '@offload/contracts';
import { openStorage, type ListRequest, type Storage } from '@offload/storage';
import { dropDatabase, recordStoreVariants, type RecordStoreVariant } from './lib/record-stores';
import { listingDatabase, LISTING_URL, type ListingDatabase } from './lib/listing-fixture';
import type { RowResult, TableLine } from './lib/report';
import { runRowCli, type RowOptions } from './lib/row';
import { latency, spread, type Latency } from './lib/stats';

const ROW = '6 listing, 1 M records';
export const RECORDS = 1_000_000;
export const PAGE_SIZE = 50;
/** The deep page: this many cursors followed from the first. */
export const DEEP_PAGE = 5;
/** The issue's target for a filtered page, on this machine. */
const TARGET_MS = 50;
const SEED = { records: RECORDS, days: 30, seed: 20_261_202 };

/** Who lists: an admin (every tenant's tasks) or a tenant, whose listing the route narrows to it. */
const SCOPES = [
  { key: 'all', label: '', tenant: undefined },
  // Every seeded record belongs to the store's default tenant: one tenant holding everything.
  { key: 'tenant', label: ', one tenant', tenant: 'default' },
] as const;

/** Every status × task_type filter, from the most common pair to the rarest. */
const FILTERS: { status: TaskStatus; taskType: TaskType }[] = TASK_STATUSES.flatMap((status) => TASK_TYPES.map((taskType) => ({ status, taskType })));

interface ScopeRun {
  first: Latency;
  deep: Latency;
  /** Filters that have no page DEEP_PAGE (fewer records than that): left out of `deep`. */
  shallow: string[];
  /** True when the time budget ended the sampling before the planned count. */
  cutShort: boolean;
}

interface BackendRun {
  scopes: Record<string, ScopeRun>;
  countsMs: Latency;
}

const request = (filter: (typeof FILTERS)[number], tenant: string | undefined): ListRequest => ({
  statuses: [filter.status],
  taskTypes: [filter.taskType],
  limit: PAGE_SIZE,
  ...(tenant === undefined ? {} : { tenant }),
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** First pages, then pages DEEP_PAGE, rotating over the filters, each within `budgetMs`. */
async function measureScope(storage: Storage, tenant: string | undefined, samples: { first: number; deep: number; budgetMs: number }): Promise<ScopeRun> {
  const first: number[] = [];
  let cutShort = false;
  let deadline = performance.now() + samples.budgetMs;
  for (let i = 0; i < samples.first; i++) {
    if (performance.now() > deadline) {
      cutShort = true;
      break;
    }
    first.push((await timed(() => storage.queries.list(request(FILTERS[i % FILTERS.length] as (typeof FILTERS)[number], tenant)))).ms);
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
    const filter = candidates[i % candidates.length] as (typeof FILTERS)[number];
    const query = request(filter, tenant);
    let page = await storage.queries.list(query);
    let ms = NaN;
    for (let n = 2; n <= DEEP_PAGE && page.nextCursor !== undefined; n++) {
      const cursor = page.nextCursor;
      const next = await timed(() => storage.queries.list({ ...query, cursor }));
      page = next.value;
      if (n === DEEP_PAGE) ms = next.ms;
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

async function measureBackend(storage: Storage, samples: { first: number; deep: number; counts: number; budgetMs: number }): Promise<BackendRun> {
  const scopes: Record<string, ScopeRun> = {};
  for (const scope of SCOPES) scopes[scope.key] = await measureScope(storage, scope.tenant, samples);
  const counts: number[] = [];
  for (let i = 0; i < samples.counts; i++) counts.push((await timed(() => storage.queries.counts())).ms);
  return { scopes, countsMs: latency(counts) };
}

export async function measureListing(options: RowOptions): Promise<RowResult> {
  const begun = Date.now();
  const samples = options.quick ? { first: 150, deep: 60, counts: 3, budgetMs: 20_000 } : { first: 450, deep: 180, counts: 5, budgetMs: 60_000 };
  const { variants, skipped } = await recordStoreVariants();
  const opened: { variant: RecordStoreVariant; database: ListingDatabase; storage: Storage }[] = [];
  const dirs: string[] = [];
  try {
    for (const variant of variants) {
      const dataDir = await mkdtemp(join(tmpdir(), `offload-bench-listing-${variant.tag}-`));
      dirs.push(dataDir);
      const database = await listingDatabase(variant, dataDir, SEED, options.log);
      const storage = await openStorage({ dataDir, recordStoreUrl: database.recordStoreUrl });
      opened.push({ variant, database, storage });
      options.log(
        `listing: ${RECORDS.toLocaleString('en-US')} records in ${variant.name}, ${'seeded' in database.how ? `seeded in ${database.how.seeded.toFixed(0)} s` : `copied from the template in ${database.how.copied.toFixed(0)} s`}`,
      );
      // Unmeasured: this process's JIT, the connections, the database's caches.
      for (let i = 0; i < 3 * FILTERS.length; i++) await storage.queries.list(request(FILTERS[i % FILTERS.length] as (typeof FILTERS)[number], undefined));
    }
    const runs: Record<string, BackendRun[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    for (let run = 0; run < options.runs; run++) {
      for (let k = 0; k < opened.length; k++) {
        const { variant, storage } = opened[(run + k) % opened.length] as (typeof opened)[number];
        const result = await measureBackend(storage, samples);
        runs[variant.name]?.push(result);
        const text = SCOPES.map((scope) => {
          const s = result.scopes[scope.key] as ScopeRun;
          return `${scope.key}: page 1 p50 ${s.first.p50.toFixed(1)} p99 ${s.first.p99.toFixed(1)} ms (n ${s.first.n}), page ${DEEP_PAGE} p50 ${s.deep.p50.toFixed(1)} p99 ${s.deep.p99.toFixed(1)} ms (n ${s.deep.n})${s.cutShort ? ', cut short by the time budget' : ''}`;
        }).join('; ');
        options.log(`listing run ${run + 1}/${options.runs} ${variant.name}: ${text}; counts p50 ${result.countsMs.p50.toFixed(0)} ms`);
      }
    }
    return {
      row: ROW,
      lines: tableLines(runs, opened, skipped),
      details: { records: RECORDS, seed: SEED, pageSize: PAGE_SIZE, deepPage: DEEP_PAGE, samples, filters: FILTERS, databases: opened.map((o) => ({ backend: o.variant.name, how: o.database.how })), runs },
      seconds: (Date.now() - begun) / 1000,
    };
  } finally {
    for (const { storage } of opened) await storage.close().catch(() => undefined);
    if (opened.some((o) => o.variant.name === 'PostgreSQL')) await dropDatabase(LISTING_URL).catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

function tableLines(runs: Record<string, BackendRun[]>, opened: readonly { variant: RecordStoreVariant; database: ListingDatabase }[], skipped: string | undefined): TableLine[] {
  const lines: TableLine[] = [];
  for (const { variant, database } of opened) {
    const these = runs[variant.name] ?? [];
    for (const scope of SCOPES) {
      const of = (r: BackendRun) => r.scopes[scope.key] as ScopeRun;
      const shallow = [...new Set(these.flatMap((r) => of(r).shallow))];
      const cut = these.some((r) => of(r).cutShort);
      for (const [page, pick] of [
        ['page 1', (r: BackendRun) => of(r).first],
        [`page ${DEEP_PAGE}`, (r: BackendRun) => of(r).deep],
      ] as const) {
        for (const p of ['p50', 'p99'] as const) {
          const value = spread(these.map((r) => pick(r)[p]));
          const notes = [
            p === 'p50' && page === 'page 1' && scope.key === 'all' && variant.name === 'SQLite'
              ? `every status × task_type pair in turn, ${PAGE_SIZE} a page; ${'seeded' in database.how ? 'seeded' : 'copied from a template'} (${RECORDS.toLocaleString('en-US')} records over 30 days)`
              : undefined,
            p === 'p50' && page !== 'page 1' && shallow.length ? `pairs with no page ${DEEP_PAGE}, left out: ${shallow.join(', ')}` : undefined,
            p === 'p50' && cut ? 'sampling cut short by its time budget (slow requests): see the log for n' : undefined,
          ].filter((n) => n !== undefined);
          lines.push({
            row: ROW,
            metric: `filtered ${page}${scope.label} ${p} ms, ${variant.name}`,
            unit: 'ms',
            offload: value,
            target: `< ${TARGET_MS} ms`,
            met: value.median < TARGET_MS,
            ...(notes.length ? { note: notes.join('; ') } : {}),
          });
        }
      }
    }
    lines.push({ row: ROW, metric: `counts per type and status ms, ${variant.name}`, unit: 'ms', offload: spread(these.map((r) => r.countsMs.p50)) });
  }
  if (skipped) lines.push({ row: ROW, metric: 'filtered page, PostgreSQL', unit: 'ms', note: skipped });
  lines.push({
    row: ROW,
    metric: 'retention sweep, ~100 000 expired records with their blobs',
    unit: 's',
    note: 'PLACEHOLDER, not measured: packages/storage has no retention sweep yet (another engineer is adding one; TODO(#12): time it here)',
  });
  return lines;
}

if (require.main === module) runRowCli(measureListing);
