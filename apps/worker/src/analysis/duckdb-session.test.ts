import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngineSession, type EngineSession } from './duckdb-session';
import { literal } from './sql';

describe('openEngineSession', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'offload-session-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes zoned timestamps in UTC, whatever the time zone of the worker host', async () => {
    const session = await openEngineSession({ memoryLimitMb: 64, threads: 1, tempDir: dir }, join(dir, 'data.csv'), new AbortController().signal);
    try {
      const sql = `SELECT current_setting('TimeZone') AS zone, TIMESTAMPTZ '2024-01-01 10:00:00+02'::VARCHAR AS text`;
      // Both lanes: the second connection is opened later, and must read the same.
      const expected = { zone: 'UTC', text: '2024-01-01 08:00:00+00' };
      expect(await session.query(sql, 0)).toEqual([expected]);
      expect(await session.query(sql, 1)).toEqual([expected]);
    } finally {
      await session.close();
    }
  });

  describe('after lockdown', () => {
    let session: EngineSession;
    let dataset: string;

    beforeAll(async () => {
      dataset = join(dir, 'locked.csv');
      await writeFile(dataset, 'a,b\n1,2\n');
      session = await openEngineSession({ memoryLimitMb: 64, threads: 1, tempDir: dir }, dataset, new AbortController().signal);
    });
    afterAll(() => session.close());

    it('reads its dataset', async () => {
      expect(await session.query(`SELECT * FROM read_csv(${literal(dataset)})`)).toEqual([{ a: '1', b: '2' }]);
    });

    it.each([0, 1] as const)("refuses SELECT * FROM read_csv('/etc/passwd') on lane %i", async (lane) => {
      await expect(session.query("SELECT * FROM read_csv('/etc/passwd')", lane)).rejects.toThrow(/Permission Error/);
    });

    it.each([
      ["read_text('/etc/passwd')", "SELECT * FROM read_text('/etc/passwd')"],
      ['a glob of /etc', "SELECT * FROM glob('/etc/*')"],
      ['a file beside the dataset', () => `SELECT * FROM read_csv(${literal(join(dir, 'other.csv'))})`],
      ['ATTACH of a database file', () => `ATTACH ${literal(join(dir, 'x.db'))} AS x`],
      ['COPY … TO a file', () => `COPY (SELECT 1) TO ${literal(join(dir, 'pwned.csv'))}`],
      ['INSTALL httpfs', 'INSTALL httpfs'],
      ['LOAD httpfs', 'LOAD httpfs'],
      ['a URL', "SELECT * FROM read_csv('https://example.com/x.csv')"],
    ])('refuses %s', async (_what, sql) => {
      await writeFile(join(dir, 'other.csv'), 'x\n1\n');
      await expect(session.run(typeof sql === 'string' ? sql : sql())).rejects.toThrow(/Permission Error|disabled/);
      expect(existsSync(join(dir, 'x.db'))).toBe(false);
      expect(existsSync(join(dir, 'pwned.csv'))).toBe(false);
    });

    it.each([
      'SET enable_external_access = true',
      'RESET enable_external_access',
      "SET allowed_paths = ['/etc/passwd']",
      "SET allowed_directories = ['/']",
      'SET autoinstall_known_extensions = true',
      'SET autoload_known_extensions = true',
      'SET lock_configuration = false',
    ])('refuses %s on either lane: the configuration is locked', async (sql) => {
      await expect(session.run(sql, 0)).rejects.toThrow(/configuration has been locked/);
      await expect(session.run(sql, 1)).rejects.toThrow(/configuration has been locked/);
    });

    it('keeps external access off and extensions unloaded', async () => {
      const settings = ['enable_external_access', 'lock_configuration', 'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions'];
      const [row] = await session.query(`SELECT ${settings.map((name) => `current_setting(${literal(name)}) AS ${name}`).join(', ')}`);
      expect(row).toEqual({ enable_external_access: false, lock_configuration: true, autoinstall_known_extensions: false, autoload_known_extensions: false, allow_community_extensions: false });
    });
  });
});
