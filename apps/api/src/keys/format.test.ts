import type { ApiKey } from '@offload/storage';
import { formatKeys, formatRate } from './format';

const key = (overrides: Partial<ApiKey>): ApiKey => ({
  id: '7f4c1e1c-1111-4222-8333-444455556666',
  name: 'ci',
  tenant: 'acme',
  scopes: ['tasks:write', 'tasks:read'],
  prefix: 'ofk_AbCdEfGh',
  createdAt: '2025-03-01T12:00:00.000Z',
  ...overrides,
});

describe('formatKeys', () => {
  it('prints one row per key with its first characters only, revoked ones included, then a count', () => {
    const text = formatKeys([
      key({}),
      key({ name: 'old-admin', tenant: 'default', scopes: ['admin'], prefix: 'ofk_ZyXwVuTs', revokedAt: '2025-03-02T08:30:00.123Z', rateRps: 2.5, rateBurst: 10 }),
    ]);
    expect(text).toBe(
      [
        'NAME       TENANT   SCOPES                  KEY            CREATED               REVOKED               RATE',
        'ci         acme     tasks:write,tasks:read  ofk_AbCdEfGh…  2025-03-01 12:00:00Z  -                     default',
        'old-admin  default  admin                   ofk_ZyXwVuTs…  2025-03-01 12:00:00Z  2025-03-02 08:30:00Z  2.5/s, burst 10',
        '',
        '2 keys, 1 live',
      ].join('\n'),
    );
  });

  it('says how to make a first key when there is none', () => {
    expect(formatKeys([])).toBe('no API keys (make one with: npm run keys -- create --name NAME --tenant TENANT --scopes SCOPE)');
  });
});

describe('formatRate', () => {
  it('names each part a key leaves to the API’s defaults', () => {
    expect(formatRate({})).toBe('default');
    expect(formatRate({ rateRps: 0.5 })).toBe('0.5/s, burst default');
    expect(formatRate({ rateBurst: 3 })).toBe('default, burst 3');
  });
});
