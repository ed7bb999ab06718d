import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngineSession } from './duckdb-session';

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
});
