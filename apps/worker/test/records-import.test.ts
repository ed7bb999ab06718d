import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TaskRecord } from '@offload/contracts';
import { openStorage, type DbStorage } from '@offload/storage';
import { createTestDatabase, tempDataDir, type TestDatabase } from '@offload/test-support';

/** The built `npm run records` entry: these tests run the CLI as a user does, in its own process. */
const CLI = resolve(__dirname, '../dist/records/main.js');

const DAY = 24 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runRecords(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function record(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const at = iso(Date.now() - DAY);
  return { id: randomUUID(), task_type: 'watermark', status: 'queued', attempts: 0, created_at: at, updated_at: at, ...overrides };
}

/** The files an older release left in DATA_DIR: good ones, one the database has, and broken ones. */
async function writeFileStore(dataDir: string) {
  const records = join(dataDir, 'records');
  const keys = join(dataDir, 'idempotency');
  await mkdir(records, { recursive: true });
  await mkdir(keys, { recursive: true });
  const finishedLongAgo = record({ status: 'succeeded', attempts: 1, finished_at: iso(Date.now() - 30 * DAY), result: { output_key: 'out_x.png', content_type: 'image/png' } });
  const queued = record();
  const duplicate = record({ status: 'failed', attempts: 2, finished_at: iso(Date.now()), error: { code: 'corrupt_image', message: 'bad' } });
  const put = (dir: string, name: string, body: unknown) => writeFile(join(dir, name), typeof body === 'string' ? body : `${JSON.stringify(body)}\n`);
  for (const r of [finishedLongAgo, queued, duplicate]) await put(records, `${r.id}.json`, r);
  const notJson = `${randomUUID()}.json`;
  const notARecord = `${randomUUID()}.json`;
  const otherTask = `${randomUUID()}.json`;
  await put(records, notJson, '{"id": "trunc');
  await put(records, notARecord, { ...record(), status: 'exploded' });
  await put(records, otherTask, record());
  await put(records, 'notes.json', record());
  // Left by an interrupted write and by a lock: not files of the store.
  await put(records, `.tmp-${queued.id}.json-${randomUUID()}`, 'partial');
  await mkdir(join(records, `${queued.id}.json.lock`));

  const entry = (expiresMs: number) => ({ fingerprint: 'fp', task_id: queued.id, created_at: iso(expiresMs - DAY), expires_at: iso(expiresMs) });
  await put(keys, `${sha256('live-key')}.json`, entry(Date.now() + DAY));
  await put(keys, `${sha256('expired-key')}.json`, entry(Date.now() - 1_000));
  await put(keys, `${sha256('broken-key')}.json`, { fingerprint: 'fp' });
  return { finishedLongAgo, queued, duplicate, invalid: { notJson, notARecord, otherTask } };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx turbo run build)`);
});

describe.each([
  ['SQLite in DATA_DIR', false],
  ['PostgreSQL', true],
])('records import, %s', (_name, postgres) => {
  let server: TestDatabase | undefined;
  let dir: { path: string; remove: () => Promise<void> };
  let storage: DbStorage;
  let store: Awaited<ReturnType<typeof writeFileStore>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = postgres ? await createTestDatabase() : undefined;
    dir = await tempDataDir('offload-import');
    env = { DATA_DIR: dir.path, ...(server === undefined ? {} : { RECORD_STORE_URL: server.url }) };
    store = await writeFileStore(dir.path);
    storage = await openStorage({ dataDir: dir.path, recordStoreUrl: server?.url });
    // Imported before (or written by the new release): the database's version stays.
    await storage.records.create({ ...store.duplicate, attempts: 7 });
  });

  afterAll(async () => {
    await storage.close();
    await server?.drop();
    await dir.remove();
  });

  it('counts with --dry-run what it would import, and writes nothing', async () => {
    const { code, stdout } = await runRecords(['import', '--dry-run'], env);

    expect(stdout).toContain('dry run: nothing was written');
    expect(stdout).toContain(`records (${join(dir.path, 'records')}): would import 2, already present 1, invalid 4`);
    expect(stdout).toContain('idempotency keys');
    expect(stdout).toContain('would import 1, already present 0, expired 1 (not imported), invalid 1');
    expect(code).toBe(1);
    expect(await storage.records.get(store.queued.id)).toBeUndefined();
    expect(await storage.database.db.selectFrom('idempotency_keys').select('key_hash').execute()).toEqual([]);
  });

  it('imports what the database lacks, keeps what it has, names each invalid file, and deletes no file', async () => {
    const before = await readdir(join(dir.path, 'records'));
    const { code, stdout, stderr } = await runRecords(['import'], env);

    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`records (${join(dir.path, 'records')}): imported 2, already present 1, invalid 4`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^  invalid ${store.invalid.notJson}: not JSON: `)),
        expect.stringMatching(new RegExp(`^  invalid ${store.invalid.notARecord}: not a task record: status: `)),
        expect.stringMatching(new RegExp(`^  invalid ${store.invalid.otherTask}: it holds the record of task [0-9a-f-]{36}, not `)),
        '  invalid notes.json: the name is not <task id>.json',
        `idempotency keys (${join(dir.path, 'idempotency')}): imported 1, already present 0, expired 1 (not imported), invalid 1`,
        expect.stringMatching(/^ {2}invalid [0-9a-f]{64}\.json: not an Idempotency-Key entry: task_id: /),
        expect.stringMatching(/^note: 1 imported record finished more than RETENTION_S \(604800 s\) ago/),
        `  rm -r ${join(dir.path, 'records')} ${join(dir.path, 'idempotency')}`,
      ]),
    );
    expect(code).toBe(1);

    expect(await storage.records.get(store.finishedLongAgo.id)).toEqual(store.finishedLongAgo);
    expect(await storage.records.get(store.queued.id)).toEqual(store.queued);
    expect(await storage.records.get(store.duplicate.id)).toEqual({ ...store.duplicate, attempts: 7 });
    const live = await storage.idempotency.exclusive('live-key', (entry) => Promise.resolve({ value: entry }));
    expect(live).toMatchObject({ fingerprint: 'fp', task_id: store.queued.id });
    await expect(storage.idempotency.exclusive('expired-key', (entry) => Promise.resolve({ value: entry }))).resolves.toBeUndefined();
    expect(await readdir(join(dir.path, 'records'))).toEqual(before);
  });

  it('imports nothing new when run again', async () => {
    const { stdout } = await runRecords(['import'], env);

    expect(stdout).toContain('imported 0, already present 3, invalid 4');
    expect(stdout).toContain('imported 0, already present 1, expired 1 (not imported), invalid 1');
  });

  it('says there is nothing to import, and exits 0, when DATA_DIR holds no file store', async () => {
    const empty = await tempDataDir('offload-import-empty');
    try {
      const { code, stdout } = await runRecords(['import'], { ...env, DATA_DIR: empty.path });
      expect(stdout).toBe(`records: no ${join(empty.path, 'records')} directory, nothing to import\nidempotency keys: no ${join(empty.path, 'idempotency')} directory, nothing to import\n`);
      expect(code).toBe(0);
    } finally {
      await empty.remove();
    }
  });
});

describe('records command line', () => {
  it('exits 2 with the usage on an unknown command', async () => {
    const { code, stderr } = await runRecords(['export'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('offload records: unknown command "export"');
    expect(stderr).toContain('usage: npm run records -- <command> [options]');
  });

  it('exits 1 with one line when the database cannot be reached', async () => {
    const dir = await tempDataDir('offload-import-nodb');
    try {
      const { code, stderr } = await runRecords(['import'], { DATA_DIR: dir.path, RECORD_STORE_URL: 'postgres://postgres@127.0.0.1:1/none', BROKER_CONNECT_TIMEOUT_MS: '1000' });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^offload records: cannot reach the record database at postgres:\/\/postgres@127\.0\.0\.1:1\/none \(RECORD_STORE_URL\)/);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await dir.remove();
    }
  });
});
