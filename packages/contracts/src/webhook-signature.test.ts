import { decodeCallbackDelivery, encodeCallbackDelivery, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

// The Standard Webhooks specification's published test vector (its reference libraries test
// against it); Debian's python3 hmac gives the same signature.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampS: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

// Computed independently: python3 -c 'hmac.new(bytes(range(32)), "<id>.<ts>.<body>".encode(), sha256)'.
const LOCAL = {
  secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  id: '3f1c8a52-7d0e-4b7e-9a3c-2f6d1e0b9c41',
  timestampS: 1767225600,
  body: '{"id":"x","status":"succeeded","note":"é"}',
  signature: 'v1,F1Zj/fhNAhpIXgI7PJ5UPvIXgtItytGhJ+zM4wY0ki4=',
};

function headersOf(v: typeof VECTOR, signature = v.signature, timestamp = String(v.timestampS)) {
  return { 'webhook-id': v.id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector', async () => {
    await expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestampS, VECTOR.body)).resolves.toBe(VECTOR.signature);
  });

  it('matches a signature computed with python hmac over UTF-8 bytes', async () => {
    await expect(signWebhook(LOCAL.secret, LOCAL.id, LOCAL.timestampS, LOCAL.body)).resolves.toBe(LOCAL.signature);
    await expect(signWebhook(LOCAL.secret, LOCAL.id, LOCAL.timestampS, new TextEncoder().encode(LOCAL.body))).resolves.toBe(LOCAL.signature);
  });

  it('refuses a secret that is not base64 without echoing it', async () => {
    await expect(signWebhook('whsec_not*base64', 'id', 1, '{}')).rejects.toThrow(/^the webhook secret is not whsec_ followed by base64$/);
  });

  it('builds the three headers', async () => {
    await expect(webhookHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestampS, VECTOR.body)).resolves.toEqual(headersOf(VECTOR));
  });
});

describe('verifyWebhook', () => {
  const verify = (overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
    verifyWebhook({ secret: VECTOR.secret, body: VECTOR.body, headers: headersOf(VECTOR), nowS: VECTOR.timestampS, ...overrides });

  it('accepts the test vector within the tolerance', async () => {
    await expect(verify()).resolves.toEqual({ ok: true });
    await expect(verify({ nowS: VECTOR.timestampS + 300 })).resolves.toEqual({ ok: true });
    await expect(verify({ secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })).resolves.toEqual({ ok: true });
  });

  it('refuses a timestamp outside the tolerance, either way', async () => {
    await expect(verify({ nowS: VECTOR.timestampS + 301 })).resolves.toEqual({ ok: false, reason: 'stale' });
    await expect(verify({ nowS: VECTOR.timestampS - 301 })).resolves.toEqual({ ok: false, reason: 'stale' });
    await expect(verify({ nowS: VECTOR.timestampS + 1_000, toleranceS: 2_000 })).resolves.toEqual({ ok: true });
  });

  it('refuses a changed body, id or timestamp as a mismatch', async () => {
    await expect(verify({ body: '{"test": 2432232315}' })).resolves.toEqual({ ok: false, reason: 'mismatch' });
    await expect(verify({ headers: { ...headersOf(VECTOR), 'webhook-id': 'msg_other' } })).resolves.toEqual({ ok: false, reason: 'mismatch' });
    await expect(verify({ headers: headersOf(VECTOR, VECTOR.signature, String(VECTOR.timestampS + 1)) })).resolves.toEqual({ ok: false, reason: 'mismatch' });
    await expect(verify({ secret: LOCAL.secret })).resolves.toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts one good signature among several and ignores unknown schemes', async () => {
    const headers = headersOf(VECTOR, `v1a,abc v1,${'A'.repeat(43)}= ${VECTOR.signature}`);
    await expect(verify({ headers })).resolves.toEqual({ ok: true });
  });

  it('refuses malformed input without throwing', async () => {
    await expect(verify({ headers: {} })).resolves.toEqual({ ok: false, reason: 'missing_headers' });
    await expect(verify({ headers: { ...headersOf(VECTOR), 'webhook-signature': ['a', 'b'] } })).resolves.toEqual({ ok: false, reason: 'missing_headers' });
    await expect(verify({ headers: headersOf(VECTOR, VECTOR.signature, '1e9') })).resolves.toEqual({ ok: false, reason: 'bad_timestamp' });
    await expect(verify({ headers: headersOf(VECTOR, 'v1,###') })).resolves.toEqual({ ok: false, reason: 'mismatch' });
    await expect(verify({ headers: headersOf(VECTOR, 'garbage') })).resolves.toEqual({ ok: false, reason: 'mismatch' });
    await expect(verify({ secret: 'whsec_' })).resolves.toEqual({ ok: false, reason: 'bad_secret' });
  });
});

describe('callback delivery codec', () => {
  const id = '3f1c8a52-7d0e-4b7e-9a3c-2f6d1e0b9c41';

  it('round-trips a task id', () => {
    const body = encodeCallbackDelivery(id);
    expect(body).toBe(`{"task_id":"${id}"}`);
    expect(decodeCallbackDelivery(new TextEncoder().encode(body))).toEqual({ ok: true, delivery: { task_id: id } });
  });

  it('drops unknown fields', () => {
    expect(decodeCallbackDelivery(JSON.stringify({ task_id: id, later: 1 }))).toEqual({ ok: true, delivery: { task_id: id } });
  });

  it('reports bad bodies without throwing', () => {
    for (const body of ['', 'not json', '[]', 'null', '{"task_id": 1}', '{"task_id": "../etc"}', new Uint8Array([0xff, 0xfe])]) {
      expect(decodeCallbackDelivery(body)).toMatchObject({ ok: false });
    }
  });

  it('refuses to encode an id that is not a UUID', () => {
    expect(() => encodeCallbackDelivery('nope')).toThrow();
  });
});
