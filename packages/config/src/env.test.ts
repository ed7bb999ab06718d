import { z } from 'zod';
import { ConfigError, commonEnvShape, describeEnv, intVar, loadEnv, retentionOptionsFrom } from './env';

const schema = z.object({ ...commonEnvShape, PORT: intVar('HTTP port', 3000, 0, 65535) });

describe('loadEnv', () => {
  it('applies every default when the environment is empty', () => {
    const config = loadEnv(schema, {});
    expect(config.PORT).toBe(3000);
    expect(config.AMQP_URL).toBe('amqp://guest:guest@localhost:5672');
    expect(config.QUEUE_PREFIX).toBe('offload');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats an empty string as unset', () => {
    expect(loadEnv(schema, { PORT: '' }).PORT).toBe(3000);
  });

  it('fails with one line per bad variable, naming it and the value', () => {
    let error: unknown;
    try {
      loadEnv(schema, { PORT: '70000', AMQP_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/65535.*\(got "70000"\)/);
    expect(problems.find((p) => p.startsWith('AMQP_URL:'))).toMatch(/amqp:\/\//);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
  });

  it('echoes a bad URL without its password', () => {
    expect(() => loadEnv(schema, { AMQP_URL: 'http://ops:hunter2@rabbit:5672' })).toThrow('(got "http://ops:***@rabbit:5672/")');
  });

  it('never echoes the value of a secret (…_KEY, …_TOKEN, …_SECRET, …_PASSWORD, and their …_PREVIOUS)', () => {
    const secrets = z.object({ ADMIN_API_KEY: z.string().min(50), METRICS_TOKEN: z.string().min(50), TASK_SIGNING_KEY_PREVIOUS: z.string().min(50) });
    let error: unknown;
    try {
      loadEnv(secrets, { ADMIN_API_KEY: 'hunter2', METRICS_TOKEN: 'swordfish', TASK_SIGNING_KEY_PREVIOUS: 'opensesame' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('(got a secret of 7 characters, not shown)');
    expect(message).not.toMatch(/hunter2|swordfish|opensesame/);
  });

  it('rejects a non-integer number', () => {
    expect(() => loadEnv(schema, { PORT: '3000.5' })).toThrow(/PORT/);
  });
});

describe('retentionOptionsFrom', () => {
  it('keeps a week and sweeps every 10 min by default, and takes RETENTION_S=0 (keep everything)', () => {
    expect(retentionOptionsFrom(loadEnv(schema, {}))).toEqual({ retentionMs: 7 * 24 * 60 * 60 * 1000, everyMs: 600_000 });
    expect(retentionOptionsFrom(loadEnv(schema, { RETENTION_S: '0', RETENTION_SWEEP_MS: '5000' }))).toEqual({ retentionMs: 0, everyMs: 5_000 });
  });

  it('refuses a negative retention', () => {
    expect(() => loadEnv(schema, { RETENTION_S: '-1' })).toThrow(/RETENTION_S/);
  });
});

describe('describeEnv', () => {
  it('lists every variable with its default and description', () => {
    const port = describeEnv(schema).find((v) => v.name === 'PORT');
    expect(port).toEqual({ name: 'PORT', defaultValue: 3000, description: 'HTTP port' });
  });
});
