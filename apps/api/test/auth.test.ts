import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordStoreUnavailableError, type Storage } from '@offload/storage';
import { createApiHarness, type ApiHarness } from './harness';
import { expectProblem, testImage } from './fixtures';

const analysisTask = { task_type: 'analysis', content: { rows: [{ a: 1 }, { a: 2 }] } };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('API keys: who may call at all', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys' });
  });
  afterAll(() => harness.close());

  it('answers 401 with a Bearer challenge without a key, with a malformed one and with an unknown one', async () => {
    const none = await request(harness.app).get('/v1/tasks');
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="offload"');

    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-key', `Bearer ofk_${'A'.repeat(42)}`, `Bearer ${harness.adminKey} extra`]) {
      const res = await request(harness.app).get('/v1/tasks').set('Authorization', header);
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="offload", error="invalid_token"');
    }
    const unknown = await request(harness.app).get('/v1/tasks').set(bearer(`ofk_${'A'.repeat(43)}`));
    expectProblem(unknown, 401, 'unauthorized');
  });

  it('refuses an upload without a key before reading its body, and stores nothing', async () => {
    const res = await request(harness.app).post('/v1/uploads').attach('file', await testImage('png'), 'a.png');
    expectProblem(res, 401, 'unauthorized');
  });

  it('keeps /livez and /readyz open', async () => {
    await request(harness.app).get('/livez').expect(200);
    await request(harness.app).get('/readyz').expect(200);
  });

  it('stops honouring a revoked key within a second', async () => {
    const key = await harness.createKey({ name: 'to-revoke', tenant: 'default', scopes: ['tasks:read'] });
    await request(harness.app).get('/v1/tasks').set(bearer(key)).expect(200);
    expect(await harness.storage.keys.revoke('to-revoke')).toBe(true);
    await sleep(1_100);
    expectProblem(await request(harness.app).get('/v1/tasks').set(bearer(key)), 401, 'unauthorized');
  });

  it('answers 403 naming the scope a key lacks', async () => {
    const reader = await harness.createKey({ tenant: 'default', scopes: ['tasks:read'] });
    const writer = await harness.createKey({ tenant: 'default', scopes: ['tasks:write'] });
    const submit = await request(harness.app).post('/v1/tasks').set(bearer(reader)).send(analysisTask);
    expect(expectProblem(submit, 403, 'forbidden').detail).toContain('tasks:write');
    expectProblem(await request(harness.app).get('/v1/tasks').set(bearer(writer)), 403, 'forbidden');
    expectProblem(await request(harness.app).get('/v1/workers').set(bearer(writer)), 403, 'forbidden');
    expectProblem(await request(harness.app).get('/v1/workers').set(bearer(reader)), 403, 'forbidden');
    await request(harness.app).get('/v1/workers').set(bearer(harness.adminKey)).expect(200);
    await request(harness.app).post('/v1/tasks').set(bearer(writer)).send(analysisTask).expect(202);
  });

  it('sends security headers and no-store on every API answer', async () => {
    const res = await request(harness.app).get('/v1/tasks').set(bearer(harness.adminKey)).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('tenants: a task belongs to the tenant of the key that made it', () => {
  let harness: ApiHarness;
  let acme: { write: string; read: string };
  let globex: string;
  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys' });
    acme = {
      write: await harness.createKey({ tenant: 'acme', scopes: ['tasks:write'] }),
      read: await harness.createKey({ tenant: 'acme', scopes: ['tasks:read'] }),
    };
    globex = await harness.createKey({ tenant: 'globex', scopes: ['tasks:write', 'tasks:read'] });
  });
  afterAll(() => harness.close());

  it("answers another tenant's task exactly as an id that does not exist", async () => {
    const accepted = await request(harness.app).post('/v1/tasks').set(bearer(acme.write)).send(analysisTask).expect(202);
    const id = String(accepted.body.id);
    const own = await request(harness.app).get(`/v1/tasks/${id}`).set(bearer(acme.read)).expect(200);
    expect(own.body).toMatchObject({ id, tenant: 'acme' });

    const made = randomUUID();
    for (const path of [`/v1/tasks/${id}`, `/v1/tasks/${id}/result`, `/v1/tasks/${id}/outputs/w320`]) {
      const theirs = await request(harness.app).get(path).set(bearer(globex));
      const nobody = await request(harness.app).get(path.replace(id, made)).set(bearer(globex));
      expectProblem(theirs, 404, 'not_found');
      expect(theirs.body.detail).toBe(String(nobody.body.detail).replace(made, id));
    }
    // The admin sees every tenant's.
    await request(harness.app).get(`/v1/tasks/${id}`).set(bearer(harness.adminKey)).expect(200);
  });

  it('lists and counts only the caller’s tenant; an admin may pick one', async () => {
    await request(harness.app).post('/v1/tasks').set(bearer(globex)).send(analysisTask).expect(202);
    const listed = await request(harness.app).get('/v1/tasks').set(bearer(globex)).expect(200);
    expect(new Set((listed.body.tasks as { tenant: string }[]).map((t) => t.tenant))).toEqual(new Set(['globex']));
    expectProblem(await request(harness.app).get('/v1/tasks?tenant=acme').set(bearer(globex)), 403, 'forbidden');
    await request(harness.app).get('/v1/tasks?tenant=globex').set(bearer(globex)).expect(200);

    const adminAcme = await request(harness.app).get('/v1/tasks?tenant=acme').set(bearer(harness.adminKey)).expect(200);
    expect(new Set((adminAcme.body.tasks as { tenant: string }[]).map((t) => t.tenant))).toEqual(new Set(['acme']));
    const everyone = await request(harness.app).get('/v1/tasks').set(bearer(harness.adminKey)).expect(200);
    expect(new Set((everyone.body.tasks as { tenant: string }[]).map((t) => t.tenant))).toEqual(new Set(['acme', 'globex']));
    expectProblem(await request(harness.app).get('/v1/tasks?tenant=Not%20A%20Tenant').set(bearer(harness.adminKey)), 422, 'validation_failed');

    const stats = await request(harness.app).get('/v1/stats').set(bearer(globex)).expect(200);
    expect(stats.body.tasks.analysis.queued).toBe(1);
    const adminStats = await request(harness.app).get('/v1/stats').set(bearer(harness.adminKey)).expect(200);
    expect(adminStats.body.tasks.analysis.queued).toBeGreaterThanOrEqual(2);
    expectProblem(await request(harness.app).get('/v1/stats?tenant=acme').set(bearer(globex)), 403, 'forbidden');
  });

  it("refuses a task that names another tenant's upload as if the key were never issued", async () => {
    const upload = await request(harness.app).post('/v1/uploads').set(bearer(acme.write)).attach('file', await testImage('png'), 'a.png').expect(201);
    const task = { task_type: 'watermark', content: { image: upload.body.key, watermark: { text: 'x' } } };
    expectProblem(await request(harness.app).post('/v1/tasks').set(bearer(globex)).send(task), 422, 'unknown_upload');
    await request(harness.app).post('/v1/tasks').set(bearer(acme.write)).send(task).expect(202);
  });

  it('keeps each tenant’s Idempotency-Keys apart', async () => {
    const key = `order-${randomUUID()}`;
    const a = await request(harness.app).post('/v1/tasks').set(bearer(acme.write)).set('Idempotency-Key', key).send(analysisTask).expect(202);
    const g = await request(harness.app).post('/v1/tasks').set(bearer(globex)).set('Idempotency-Key', key).send(analysisTask).expect(202);
    expect(g.body.id).not.toBe(a.body.id);
    expect(g.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('limits', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys', guards: { rateLimit: { rps: 1, burst: 3 }, tenantMaxActiveTasks: 2, uploadsPerKey: 1 } });
  });
  afterAll(() => harness.close());

  it('answers 429 rate_limited with Retry-After and the RateLimit fields once a key spends its burst', async () => {
    const key = await harness.createKey({ tenant: 'default', scopes: ['tasks:read'] });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await request(harness.app).get('/v1/stats').set(bearer(key)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]?.headers['ratelimit-policy']).toBe('"key";q=3;w=3');
    expect(answers[0]?.headers.ratelimit).toMatch(/^"key";r=2;t=\d+$/);
    const limited = answers[3];
    if (limited === undefined) throw new Error('no fourth answer');
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another key has a budget of its own.
    await request(harness.app).get('/v1/stats').set(bearer(harness.adminKey)).expect(200);
  });

  it('honours a key’s own rate over the default', async () => {
    const key = await harness.createKey({ tenant: 'default', scopes: ['tasks:read'], rateRps: 100, rateBurst: 10 });
    for (let i = 0; i < 8; i++) await request(harness.app).get('/v1/stats').set(bearer(key)).expect(200);
  });

  it('answers 429 tenant_queue_full once the tenant has TENANT_MAX_ACTIVE_TASKS unfinished tasks', async () => {
    const key = await harness.createKey({ tenant: 'busy', scopes: ['tasks:write'], rateRps: 100, rateBurst: 100 });
    await request(harness.app).post('/v1/tasks').set(bearer(key)).send(analysisTask).expect(202);
    await request(harness.app).post('/v1/tasks').set(bearer(key)).send(analysisTask).expect(202);
    const full = await request(harness.app).post('/v1/tasks').set(bearer(key)).send(analysisTask);
    expectProblem(full, 429, 'tenant_queue_full');
    expect(full.headers['retry-after']).toBeDefined();
    // Other tenants are not held back by it.
    const other = await harness.createKey({ tenant: 'quiet', scopes: ['tasks:write'], rateRps: 100, rateBurst: 100 });
    await request(harness.app).post('/v1/tasks').set(bearer(other)).send(analysisTask).expect(202);
  });

  it('answers 429 too_many_uploads to a key with as many uploads in progress as it may have', async () => {
    const key = await harness.createKey({ tenant: 'default', scopes: ['tasks:write'], rateRps: 100, rateBurst: 100 });
    const server = harness.app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const base = `http://127.0.0.1:${address.port}`;
      // The first upload holds its slot while its body trickles in.
      const boundary = 'b0undary';
      const slow = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\na,b\n`));
          await sleep(800);
          controller.enqueue(new TextEncoder().encode(`1,2\n\r\n--${boundary}--\r\n`));
          controller.close();
        },
      });
      const first = fetch(`${base}/v1/uploads`, {
        method: 'POST',
        headers: { ...bearer(key), 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body: slow,
        duplex: 'half',
      } as RequestInit);
      await sleep(300);
      const second = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: bearer(key), body: formWith('b.csv') });
      expect([second.status, ((await second.json()) as { code: string }).code]).toEqual([429, 'too_many_uploads']);
      expect((await first).status).toBe(201);
      // The slot is free again.
      const third = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: bearer(key), body: formWith('c.csv') });
      expect(third.status).toBe(201);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function formWith(name: string): FormData {
  const form = new FormData();
  form.append('file', new Blob(['a,b\n1,2\n'], { type: 'text/csv' }), name);
  return form;
}

describe('browsers and scrapers', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys', guards: { corsOrigins: ['https://app.example.com'], metricsToken: 'metrics-token-0123456789' } });
  });
  afterAll(() => harness.close());

  it('refuses a request another web origin makes, and serves the allowed one with CORS headers', async () => {
    const evil = await request(harness.app).post('/v1/tasks').set('Origin', 'https://evil.example').set(bearer(harness.adminKey)).send(analysisTask);
    expectProblem(evil, 403, 'forbidden');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await request(harness.app)
      .options('/v1/tasks')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');

    const allowed = await request(harness.app).post('/v1/tasks').set('Origin', 'https://app.example.com').set(bearer(harness.adminKey)).send(analysisTask).expect(202);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('serves /metrics with its own token only: an API key is not enough', async () => {
    expectProblem(await request(harness.app).get('/metrics'), 401, 'unauthorized');
    expectProblem(await request(harness.app).get('/metrics').set(bearer(harness.adminKey)), 401, 'unauthorized');
    const res = await request(harness.app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789').expect(200);
    expect(res.text).toContain('# TYPE');
  });
});

describe('with the record database away', () => {
  let harness: ApiHarness;
  let away = false;
  const unavailable = () => Promise.reject(new RecordStoreUnavailableError(new Error('Connection terminated unexpectedly')));
  beforeAll(async () => {
    harness = await createApiHarness({
      auth: 'keys',
      wrapStorage: (storage): Storage => ({
        ...storage,
        keys: { ...storage.keys, authenticate: (secret) => (away ? unavailable() : storage.keys.authenticate(secret)) },
        rateLimits: { take: (bucket, limit, now) => (away ? unavailable() : storage.rateLimits.take(bucket, limit, now)) },
        queries: { ...storage.queries, activeCount: (tenant, atMost) => (away ? unavailable() : storage.queries.activeCount(tenant, atMost)) },
        uploads: { ...storage.uploads, tenantsOf: (keys) => (away ? unavailable() : storage.uploads.tenantsOf(keys)) },
      }),
    });
  });
  afterAll(() => harness.close());

  it('keeps a key it knew, its limits and the tenant checks out of the way of a submit, and answers an unknown key 503', async () => {
    const key = await harness.createKey({ tenant: 'acme', scopes: ['tasks:write'] });
    const upload = await request(harness.app).post('/v1/uploads').set(bearer(key)).attach('file', await testImage('png'), 'a.png').expect(201);
    away = true;
    try {
      await sleep(1_100); // past the key's 1 s cache: the store is asked, and fails
      const task = { task_type: 'watermark', content: { image: upload.body.key, watermark: { text: 'x' } } };
      await request(harness.app).post('/v1/tasks').set(bearer(key)).send(task).expect(202);
      const stranger = await request(harness.app).post('/v1/tasks').set(bearer(`ofk_${'B'.repeat(43)}`)).send(analysisTask);
      expectProblem(stranger, 503, 'store_unavailable');
      expect(stranger.headers['retry-after']).toBeDefined();
    } finally {
      away = false;
    }
  });
});
