import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { TaskRecord, TaskStatus } from '@offload/contracts';
import { connectEventStream, tempDataDir, type EventStreamClient } from '@offload/test-support';
import { createHttpServer } from '../src/http-server';
import { CONSOLE_CSP } from '../src/routes/console';
import { createApiHarness, type ApiHarness } from './harness';

/** The routes the console stands on: its files, GET /v1/me, GET /v1/events, the history, id search. */
describe('the console and its routes', () => {
  let harness: ApiHarness;
  let server: Server;
  let base: string;
  let reader: string;
  let writer: string;
  let other: string;
  let consoleDir: { path: string; remove(): Promise<void> };
  const open: EventStreamClient[] = [];

  beforeAll(async () => {
    consoleDir = await tempDataDir('offload-console');
    await mkdir(join(consoleDir.path, 'assets'));
    await writeFile(join(consoleDir.path, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app.js"></script>');
    await writeFile(join(consoleDir.path, 'assets', 'app.js'), 'export {};');
    harness = await createApiHarness({ auth: 'keys', consoleDir: consoleDir.path, consoleEvents: { feedPollMs: 50, statsMs: 300, workersMs: 300 } });
    reader = await harness.createKey({ name: 'reader', tenant: 'acme', scopes: ['tasks:read'] });
    writer = await harness.createKey({ name: 'writer', tenant: 'acme', scopes: ['tasks:read', 'tasks:write'] });
    other = await harness.createKey({ name: 'other', tenant: 'globex', scopes: ['tasks:read'] });
    server = createHttpServer(harness.app, { requestTimeoutMs: 1_000, idleTimeoutMs: 500 }, harness.logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of open) client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await harness.close();
    await consoleDir.remove();
  });

  async function stream(query: string, key: string): Promise<EventStreamClient> {
    const client = await connectEventStream(`${base}/v1/events${query}`, { Authorization: `Bearer ${key}` });
    open.push(client);
    return client;
  }

  async function task(tenant: string, status: TaskStatus = 'queued', times: Partial<TaskRecord> = {}): Promise<TaskRecord> {
    const at = new Date().toISOString();
    const record: TaskRecord = { id: randomUUID(), task_type: 'analysis', tenant, status, attempts: 0, created_at: at, updated_at: at, ...times };
    await harness.storage.records.create(record);
    return record;
  }

  it('serves the console without a key, under a CSP that allows no inline script, and caches only hashed assets', async () => {
    const redirect = await request(harness.app).get('/console');
    expect(redirect.status).toBe(301);
    const page = await request(harness.app).get('/console/').expect(200);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const asset = await request(harness.app).get('/console/assets/app.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await request(harness.app).get('/console/assets/../../package.json');
    expect([403, 404]).toContain(missing.status);
    expect(missing.text).not.toContain(consoleDir.path);
  });

  it('says how to build the console when it is not there', async () => {
    const bare = await createApiHarness({ auth: 'keys' });
    try {
      const response = await request(bare.app).get('/console/').expect(404);
      expect(response.body.detail).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });

  it('GET /v1/me names the key, its tenant and scopes; no key is 401', async () => {
    const me = await request(harness.app).get('/v1/me').set('Authorization', `Bearer ${reader}`).expect(200);
    expect(me.body).toEqual({ name: 'reader', tenant: 'acme', scopes: ['tasks:read'] });
    await request(harness.app).get('/v1/me').expect(401);
  });

  it('lists by id prefix, case-insensitively, and refuses what cannot start an id', async () => {
    const mine = await task('acme');
    const prefix = mine.id.slice(0, 6).toUpperCase();
    const found = await request(harness.app).get(`/v1/tasks?id_prefix=${prefix}`).set('Authorization', `Bearer ${reader}`).expect(200);
    expect((found.body.tasks as TaskRecord[]).map((t) => t.id)).toContain(mine.id);
    expect((found.body.tasks as TaskRecord[]).every((t) => t.id.startsWith(prefix.toLowerCase()))).toBe(true);
    const hidden = await request(harness.app).get(`/v1/tasks?id_prefix=${mine.id}`).set('Authorization', `Bearer ${other}`).expect(200);
    expect(hidden.body.tasks).toEqual([]);
    for (const bad of ['%25', 'zz', 'ab%27--', 'a'.repeat(37)]) {
      const refused = await request(harness.app).get(`/v1/tasks?id_prefix=${bad}`).set('Authorization', `Bearer ${reader}`).expect(422);
      expect(refused.body.errors[0].path).toBe('query.id_prefix');
    }
  });

  it('streams the changes of the caller’s tenant only, in write order', async () => {
    const mine = await stream('?topics=tasks', reader);
    const theirs = await stream('?topics=tasks', other);
    expect(mine.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const a = await task('acme');
    const g = await task('globex');
    await harness.storage.records.update(a.id, (r) => ({ ...r, status: 'processing', attempts: 1, updated_at: new Date().toISOString() }));
    const seen: TaskRecord[] = [];
    while (!seen.some((r) => r.id === a.id && r.status === 'processing')) {
      const event = await mine.next(5_000);
      expect(event?.event).toBe('tasks');
      seen.push(...(JSON.parse(event?.data ?? '{}') as { tasks: TaskRecord[] }).tasks);
    }
    expect(seen.every((r) => r.tenant === 'acme')).toBe(true);
    expect(seen.filter((r) => r.id === a.id).map((r) => r.status)).toEqual(expect.arrayContaining(['processing']));
    const event = await theirs.next(5_000);
    const theirRecords = (JSON.parse(event?.data ?? '{}') as { tasks: TaskRecord[] }).tasks;
    expect(theirRecords.map((r) => r.id)).toEqual([g.id]);
  });

  it('sends stats with the last hour, and workers to admins only', async () => {
    const started = Date.now() - 4_000;
    await task('acme', 'succeeded', {
      started_at: new Date(started).toISOString(),
      finished_at: new Date(started + 1_500).toISOString(),
      created_at: new Date(started - 500).toISOString(),
    });
    const client = await stream('?topics=stats', reader);
    const event = await client.next(5_000);
    expect(event?.event).toBe('stats');
    const body = JSON.parse(event?.data ?? '{}') as { tasks: Record<string, Record<string, number>>; history: { bucket_ms: number; types: Record<string, { buckets: { succeeded: number; run_p50_ms: number | null; wait_p50_ms: number | null }[] }> } };
    expect(body.tasks.analysis?.succeeded).toBeGreaterThanOrEqual(1);
    expect(body.history.bucket_ms).toBe(60_000);
    const buckets = body.history.types.analysis?.buckets ?? [];
    expect(buckets.reduce((n, b) => n + b.succeeded, 0)).toBeGreaterThanOrEqual(1);
    expect(buckets.some((b) => b.run_p50_ms === 1_500 && b.wait_p50_ms === 500)).toBe(true);

    const refused = await stream('?topics=tasks,workers', writer);
    expect(refused.status).toBe(403);
    const admin = await stream('?topics=workers', harness.adminKey);
    expect((await admin.next(5_000))?.event).toBe('workers');
  });

  it('answers GET /v1/stats/history for scripts, and refuses bad windows and topics', async () => {
    const history = await request(harness.app).get('/v1/stats/history?minutes=120').set('Authorization', `Bearer ${reader}`).expect(200);
    expect(history.body.bucket_ms).toBe(120_000);
    expect(history.body.types.watermark.buckets.length).toBeGreaterThanOrEqual(60);
    for (const [query, path] of [
      ['minutes=0', 'query.minutes'],
      ['minutes=abc', 'query.minutes'],
      ['minutes=100000', 'query.minutes'],
      ['window=5', 'query.window'],
    ]) {
      const refused = await request(harness.app).get(`/v1/stats/history?${query}`).set('Authorization', `Bearer ${reader}`).expect(422);
      expect(refused.body.errors[0].path).toBe(path);
    }
    await request(harness.app).get('/v1/stats/history?tenant=globex').set('Authorization', `Bearer ${reader}`).expect(403);
    for (const query of ['?topics=everything', '?topics=', '?topics=tasks&since=1']) {
      const refused = await request(harness.app).get(`/v1/events${query}`).set('Authorization', `Bearer ${reader}`).expect(422);
      expect(refused.body.errors[0].path).toMatch(/^query\./);
    }
  });

  it('refuses an action a page of another origin makes, even with a key', async () => {
    const mine = await task('acme');
    const forged = await request(harness.app).post(`/v1/tasks/${mine.id}/cancel`).set('Origin', 'https://evil.example').set('Authorization', `Bearer ${writer}`);
    expect(forged.status).toBe(403);
    expect((await harness.storage.records.get(mine.id))?.status).toBe('queued');
    await request(harness.app).post(`/v1/tasks/${mine.id}/cancel`).set('Authorization', `Bearer ${reader}`).expect(403);
    await request(harness.app).post(`/v1/tasks/${mine.id}/cancel`).expect(401);
  });
});
