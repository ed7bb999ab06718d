import { loadWorkerConfig } from './config';

describe('loadWorkerConfig: webhooks', () => {
  it('defaults to nothing allowed, 10 s per attempt and a 24 h retry window', () => {
    const config = loadWorkerConfig({});
    expect(config.CALLBACK_ALLOW.entries).toEqual([]);
    expect(config.CALLBACK_TIMEOUT_MS).toBe(10_000);
    expect(config.CALLBACK_RETRY_FOR_MS).toBe(24 * 60 * 60 * 1000);
  });

  it('parses CALLBACK_ALLOW into hosts and ranges', () => {
    const { CALLBACK_ALLOW } = loadWorkerConfig({ CALLBACK_ALLOW: 'hooks.internal, 10.0.0.0/8' });
    expect(CALLBACK_ALLOW.hosts.has('hooks.internal')).toBe(true);
    expect(CALLBACK_ALLOW.addresses.check('10.9.8.7', 'ipv4')).toBe(true);
  });

  it('refuses an invalid CALLBACK_ALLOW entry, naming it', () => {
    expect(() => loadWorkerConfig({ CALLBACK_ALLOW: 'ok.example,10.0.0.0/40' })).toThrow(/CALLBACK_ALLOW: .*"10\.0\.0\.0\/40": the prefix length must be 0–32/);
  });
});
