import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@offload/config';
import { corsOrigins, loadApiConfig } from './config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadApiConfig accepted a bad environment');
}

describe('loadApiConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    expect(loadApiConfig({})).toEqual(
      expect.objectContaining({
        AMQP_URL: 'amqp://guest:guest@localhost:5672',
        PORT: 3000,
        HOST: '0.0.0.0',
        DATA_DIR: './data',
        QUEUE_PREFIX: 'offload',
        LOG_LEVEL: 'info',
        PUBLISH_TIMEOUT_MS: 5_000,
        UPLOAD_MAX_BYTES: 50 * 1024 * 1024,
        JSON_BODY_MAX_BYTES: 1024 * 1024,
        API_SHUTDOWN_GRACE_MS: 10_000,
      }),
    );
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadApiConfig({}))).toBe(true);
  });

  it('parses numbers and keeps strings when values are set', () => {
    const config = loadApiConfig({ PORT: '8080', AMQP_URL: 'amqps://u:p@rabbit:5671/vhost', DATA_DIR: '/srv/offload', PUBLISH_TIMEOUT_MS: '250' });
    expect(config).toEqual(expect.objectContaining({ PORT: 8080, AMQP_URL: 'amqps://u:p@rabbit:5671/vhost', DATA_DIR: '/srv/offload', PUBLISH_TIMEOUT_MS: 250 }));
  });

  it('leaves RABBITMQ_MANAGEMENT_URL unset by default (main derives it from AMQP_URL) and waits 2 s for it', () => {
    expect(loadApiConfig({}).RABBITMQ_MANAGEMENT_URL).toBeUndefined();
    expect(loadApiConfig({}).RABBITMQ_MANAGEMENT_TIMEOUT_MS).toBe(2_000);
    expect(loadApiConfig({ RABBITMQ_MANAGEMENT_URL: 'https://ops:pw@rabbit.example:15671' }).RABBITMQ_MANAGEMENT_URL).toBe('https://ops:pw@rabbit.example:15671');
  });

  it('treats an empty value as unset', () => {
    expect(loadApiConfig({ PORT: '', LOG_LEVEL: '' })).toEqual(expect.objectContaining({ PORT: 3000, LOG_LEVEL: 'info' }));
  });

  it('ignores variables it does not know', () => {
    expect(loadApiConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it('fails with one line per bad variable, each naming it', () => {
    const err = configError({ PORT: '70000', AMQP_URL: 'http://rabbit', UPLOAD_MAX_BYTES: 'lots', LOG_LEVEL: 'loud', DATA_DIR: '/ok' });
    expect(err.problems).toHaveLength(4);
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['AMQP_URL', 'LOG_LEVEL', 'PORT', 'UPLOAD_MAX_BYTES']);
    expect(err.problems.find((p) => p.startsWith('PORT:'))).toContain('"70000"');
    const lines = err.message.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    for (const name of ['PORT', 'AMQP_URL', 'UPLOAD_MAX_BYTES', 'LOG_LEVEL']) {
      expect(lines.filter((l) => l.includes(name))).toHaveLength(1);
    }
  });

  it.each([
    ['PORT', '3000.5'],
    ['PORT', '-1'],
    ['JSON_BODY_MAX_BYTES', '10'],
    ['PUBLISH_TIMEOUT_MS', 'soon'],
    ['QUEUE_PREFIX', 'has space'],
    ['API_SHUTDOWN_GRACE_MS', '-5'],
    ['RABBITMQ_MANAGEMENT_URL', 'amqp://guest:guest@rabbit:15672'],
    ['RABBITMQ_MANAGEMENT_TIMEOUT_MS', '10'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('runs with API keys unless AUTH=off, which it allows on a loopback address only', () => {
    expect(loadApiConfig({}).AUTH).toBe('on');
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(loadApiConfig({ AUTH: 'off', HOST: host }).AUTH).toBe('off');
    expect(configError({ AUTH: 'off' }).problems).toEqual([expect.stringMatching(/^AUTH: off is only allowed when the API listens on a loopback address .* not "0\.0\.0\.0"/)]);
    expect(configError({ AUTH: 'off', HOST: '10.0.0.5' }).problems).toHaveLength(1);
    expect(configError({ AUTH: 'maybe' }).problems).toEqual([expect.stringMatching(/^AUTH: /)]);
  });

  it('takes an ADMIN_API_KEY of the right shape only, and never echoes it', () => {
    const key = `ofk_${'a'.repeat(43)}`;
    expect(loadApiConfig({ ADMIN_API_KEY: key }).ADMIN_API_KEY).toBe(key);
    const error = configError({ ADMIN_API_KEY: 'hunter2-hunter2' });
    expect(error.problems).toEqual([expect.stringMatching(/^ADMIN_API_KEY: must be ofk_ followed by 43 base64url characters/)]);
    expect(error.message).not.toContain('hunter2');
  });

  it('reads CORS_ORIGINS as a list of origins and refuses anything else', () => {
    expect(corsOrigins(loadApiConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }))).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(corsOrigins(loadApiConfig({}))).toEqual([]);
    expect(configError({ CORS_ORIGINS: 'https://a.example/path' }).problems).toEqual([expect.stringMatching(/^CORS_ORIGINS: must be origins/)]);
    expect(configError({ CORS_ORIGINS: '*' }).problems).toHaveLength(1);
  });
});
