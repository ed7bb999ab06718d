import { createHash, createHmac } from 'node:crypto';
import { SIGNATURE_HEADER, SigningKeyError, createMessageSigner, describeSignatureFailure, signingKeyProblem, signingKeySchema } from './message-signature';

const KEY = 'k'.repeat(20) + 'this-is-a-test-key-0123456789';
const OLD_KEY = 'an-older-key-that-was-rotated-out-000000';
const ID = '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11';
const BODY = Buffer.from('{"v":1,"id":"0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11","retry_count":0}');

/** The scheme as the README spells it for other languages, with node:crypto. */
function reference(key: string, messageId: string, body: Buffer): string {
  const keyId = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12);
  const mac = createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${messageId}\n`, 'utf8'), body])).digest('base64url');
  return `v1=${keyId}:${mac}`;
}

describe('createMessageSigner', () => {
  it('signs as HMAC-SHA256 over the message id, a line feed and the body, with the key id of SHA-256(key)', async () => {
    const signer = await createMessageSigner({ current: KEY });
    const header = await signer.sign(ID, BODY);
    expect(header).toBe(reference(KEY, ID, BODY));
    expect(header).toMatch(/^v1=[0-9a-f]{12}:[A-Za-z0-9_-]{43}$/);
    expect(signer.keyId).toBe(header.slice(3, 15));
    expect(SIGNATURE_HEADER).toBe('offload-signature');
  });

  it('signs the README\'s test vector as it says', async () => {
    const signer = await createMessageSigner({ current: 'kkkkkkkkkkkkkkkkkkkkthis-is-a-test-key-0123456789' });
    expect(await signer.sign(ID, BODY)).toBe('v1=5c73a38aa9f6:C6jnWVyX73uGMVxm9BJ1atLea5UNqYJblzcOJV4Oso0');
  });

  it('verifies what it signed', async () => {
    const signer = await createMessageSigner({ current: KEY });
    await expect(signer.verify(ID, BODY, await signer.sign(ID, BODY))).resolves.toEqual({ ok: true, keyId: signer.keyId });
  });

  it('verifies a message signed with the previous key, and signs with the current one', async () => {
    const before = await createMessageSigner({ current: OLD_KEY });
    const rotated = await createMessageSigner({ current: KEY, previous: OLD_KEY });
    const old = await before.sign(ID, BODY);
    await expect(rotated.verify(ID, BODY, old)).resolves.toEqual({ ok: true, keyId: before.keyId });
    expect(await rotated.sign(ID, BODY)).toBe(reference(KEY, ID, BODY));
  });

  it('refuses a message signed only with a previous key once that key is dropped', async () => {
    const old = await (await createMessageSigner({ current: OLD_KEY })).sign(ID, BODY);
    const signer = await createMessageSigner({ current: KEY });
    await expect(signer.verify(ID, BODY, old)).resolves.toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('refuses a missing header as unsigned', async () => {
    const signer = await createMessageSigner({ current: KEY });
    await expect(signer.verify(ID, BODY, undefined)).resolves.toEqual({ ok: false, reason: 'unsigned' });
  });

  it('refuses a changed body and a changed id', async () => {
    const signer = await createMessageSigner({ current: KEY });
    const header = await signer.sign(ID, BODY);
    const changed = Buffer.from(BODY.toString().replace('"retry_count":0', '"retry_count":1'));
    await expect(signer.verify(ID, changed, header)).resolves.toMatchObject({ ok: false, reason: 'mismatch' });
    await expect(signer.verify('1b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11', BODY, header)).resolves.toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a header signed with another key of the same length under the right key id', async () => {
    const signer = await createMessageSigner({ current: KEY });
    const forged = reference(OLD_KEY, ID, BODY).replace(/^v1=[0-9a-f]{12}/, `v1=${signer.keyId}`);
    await expect(signer.verify(ID, BODY, forged)).resolves.toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['a v2 scheme', (h: string) => h.replace('v1=', 'v2=')],
    ['a truncated MAC', (h: string) => h.slice(0, -1)],
    ['padding', (h: string) => `${h}=`],
    ['standard base64', (h: string) => `${h.slice(0, -1)}+`],
    ['a second signature', (h: string) => `${h},${h}`],
  ])('refuses %s as malformed', async (_name, change) => {
    const signer = await createMessageSigner({ current: KEY });
    const header = change(await signer.sign(ID, BODY));
    await expect(signer.verify(ID, BODY, header)).resolves.toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a header that is not a string, and a message without an id or with a line feed in it, as malformed', async () => {
    const signer = await createMessageSigner({ current: KEY });
    const header = await signer.sign(ID, BODY);
    await expect(signer.verify(ID, BODY, Buffer.from(header))).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(signer.verify(undefined, BODY, header)).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(signer.verify(`${ID}\n`, BODY, header)).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(signer.sign(`${ID}\n`, BODY)).rejects.toMatchObject({ code: 'invalid_message', retryable: false });
  });

  it('refuses a key shorter than 32 characters, naming the variable and never the key', async () => {
    const short = 'secret-but-far-too-short';
    const failure = createMessageSigner({ current: short });
    await expect(failure).rejects.toBeInstanceOf(SigningKeyError);
    await expect(failure).rejects.toMatchObject({ code: 'validation_failed', retryable: false, message: expect.stringMatching(/^TASK_SIGNING_KEY: must be at least 32 characters/) });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining(short) });
    await expect(createMessageSigner({ current: KEY, previous: short })).rejects.toMatchObject({ message: expect.stringMatching(/^TASK_SIGNING_KEY_PREVIOUS: /) });
  });
});

describe('signingKeyProblem', () => {
  it('accepts 32 characters and more, refuses fewer', () => {
    expect(signingKeyProblem('x'.repeat(32))).toBeUndefined();
    expect(signingKeyProblem('x'.repeat(31))).toMatch(/at least 32 characters/);
  });

  it('refuses a key with a line break or spaces around it', () => {
    expect(signingKeyProblem(`${'x'.repeat(40)}\n`)).toMatch(/white space/);
    expect(signingKeyProblem(` ${'x'.repeat(40)}`)).toMatch(/white space/);
  });
});

describe('signingKeySchema', () => {
  it('parses a key signingKeyProblem accepts and refuses one it does not, with its words', () => {
    expect(signingKeySchema.parse('x'.repeat(32))).toBe('x'.repeat(32));
    expect(signingKeySchema.safeParse('short').error?.issues[0]?.message).toMatch(/at least 32 characters/);
  });
});

describe('describeSignatureFailure', () => {
  it('names the key id of an unknown key', () => {
    expect(describeSignatureFailure({ reason: 'unknown_key', keyId: 'abcdef012345' })).toContain('abcdef012345');
  });
});
