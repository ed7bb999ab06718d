import { ConfigError } from '@offload/config';
import { loadWorkerConfig } from './config';
import { loadDlqConfig } from './dlq/config';
import { signerFrom } from './signing-config';

const KEY = 'a-signing-key-long-enough-0123456789abcdef';
const SHORT = 'short-secret-value';

describe('the signing keys of the worker and the dlq command', () => {
  it.each([
    ['worker', loadWorkerConfig],
    ['dlq', loadDlqConfig],
  ])('refuses a short key in the %s config, naming the variable and never the value', (_role, load) => {
    let thrown: unknown;
    try {
      load({ TASK_SIGNING_KEY: KEY, TASK_SIGNING_KEY_PREVIOUS: SHORT });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = thrown instanceof Error ? thrown.message : '';
    expect(message).toContain('TASK_SIGNING_KEY_PREVIOUS: must be at least 32 characters');
    expect(message).not.toContain(SHORT);
    expect(message).not.toContain(KEY);
  });

  it('refuses a previous key without a current one', () => {
    expect(() => loadWorkerConfig({ TASK_SIGNING_KEY_PREVIOUS: KEY })).toThrow(/TASK_SIGNING_KEY_PREVIOUS: set without TASK_SIGNING_KEY/);
  });

  it('builds no signer without a key, and one that verifies both keys with them', async () => {
    await expect(signerFrom(loadWorkerConfig({}))).resolves.toBeUndefined();
    const old = await signerFrom(loadWorkerConfig({ TASK_SIGNING_KEY: `old-${KEY}` }));
    const signer = await signerFrom(loadWorkerConfig({ TASK_SIGNING_KEY: KEY, TASK_SIGNING_KEY_PREVIOUS: `old-${KEY}` }));
    const id = '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11';
    const body = Buffer.from('{}');
    await expect(signer?.verify(id, body, await old?.sign(id, body))).resolves.toMatchObject({ ok: true });
  });
});
