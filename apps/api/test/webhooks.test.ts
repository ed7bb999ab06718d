import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';
import { expectProblem } from './fixtures';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

describe('GET /v1/webhooks/secret and POST /v1/webhooks/secret/rotate', () => {
  let harness: ApiHarness;
  let reader: string;
  let writer: string;
  let otherWriter: string;

  beforeAll(async () => {
    harness = await createApiHarness({ auth: 'keys' });
    reader = await harness.createKey({ tenant: 'acme', scopes: ['tasks:read'] });
    writer = await harness.createKey({ tenant: 'acme', scopes: ['tasks:read', 'tasks:write'] });
    otherWriter = await harness.createKey({ tenant: 'globex', scopes: ['tasks:read', 'tasks:write'] });
  });
  afterAll(() => harness.close());

  it("answers the caller's tenant secret, the same on every read, and not cached", async () => {
    const first = await request(harness.app).get('/v1/webhooks/secret').set(bearer(reader)).expect(200);
    expect(first.body).toEqual({ tenant: 'acme', secret: expect.stringMatching(SECRET) });
    expect(first.headers['cache-control']).toBe('no-store');
    const again = await request(harness.app).get('/v1/webhooks/secret').set(bearer(writer)).expect(200);
    expect(again.body).toEqual(first.body);
    expect((first.body as { secret: string }).secret).toBe(await harness.storage.webhookSecrets.secretFor('acme'));
    const other = await request(harness.app).get('/v1/webhooks/secret').set(bearer(otherWriter)).expect(200);
    expect(other.body).toMatchObject({ tenant: 'globex' });
    expect((other.body as { secret: string }).secret).not.toBe((first.body as { secret: string }).secret);
  });

  it('rotates with tasks:write: the new secret is what reads answer from then on', async () => {
    const before = (await request(harness.app).get('/v1/webhooks/secret').set(bearer(writer)).expect(200)).body as { secret: string };
    expectProblem(await request(harness.app).post('/v1/webhooks/secret/rotate').set(bearer(reader)), 403, 'forbidden');
    const rotated = await request(harness.app).post('/v1/webhooks/secret/rotate').set(bearer(writer)).expect(200);
    expect(rotated.body).toEqual({ tenant: 'acme', secret: expect.stringMatching(SECRET) });
    expect((rotated.body as { secret: string }).secret).not.toBe(before.secret);
    const after = await request(harness.app).get('/v1/webhooks/secret').set(bearer(reader)).expect(200);
    expect(after.body).toEqual(rotated.body);
  });

  it("lets only an admin name another tenant's secret", async () => {
    expectProblem(await request(harness.app).get('/v1/webhooks/secret?tenant=globex').set(bearer(writer)), 403, 'forbidden');
    expectProblem(await request(harness.app).post('/v1/webhooks/secret/rotate?tenant=globex').set(bearer(writer)), 403, 'forbidden');
    await request(harness.app).get('/v1/webhooks/secret?tenant=acme').set(bearer(writer)).expect(200);
    const globex = await request(harness.app).get('/v1/webhooks/secret?tenant=globex').set(bearer(harness.adminKey)).expect(200);
    expect(globex.body).toEqual({ tenant: 'globex', secret: await harness.storage.webhookSecrets.secretFor('globex') });
    expectProblem(await request(harness.app).get('/v1/webhooks/secret?tenant=Not%20A%20Tenant!').set(bearer(harness.adminKey)), 422, 'validation_failed');
  });

  it('needs a key', async () => {
    expectProblem(await request(harness.app).get('/v1/webhooks/secret'), 401, 'unauthorized');
    expectProblem(await request(harness.app).post('/v1/webhooks/secret/rotate'), 401, 'unauthorized');
  });
});
