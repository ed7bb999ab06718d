import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { amqpCaFrom } from './amqp-ca';
import { ConfigError, commonEnvShape, loadEnv } from './env';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

describe('amqpCaFrom', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offload-ca-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is undefined without AMQP_CA_FILE', () => {
    expect(amqpCaFrom({})).toBeUndefined();
  });

  it('reads the PEM file AMQP_CA_FILE names', () => {
    const path = join(dir, 'ca.pem');
    writeFileSync(path, PEM);
    expect(amqpCaFrom({ AMQP_CA_FILE: path })?.toString()).toBe(PEM);
  });

  it('fails with one line naming the variable when the file is missing or not PEM', () => {
    expect(() => amqpCaFrom({ AMQP_CA_FILE: join(dir, 'nope.pem') })).toThrow(ConfigError);
    expect(() => amqpCaFrom({ AMQP_CA_FILE: join(dir, 'nope.pem') })).toThrow(/AMQP_CA_FILE: cannot read ".*nope\.pem" \(ENOENT/);
    const der = join(dir, 'ca.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0xb3]));
    expect(() => amqpCaFrom({ AMQP_CA_FILE: der })).toThrow(/AMQP_CA_FILE: ".*ca\.der" holds no PEM certificate/);
  });
});

describe('BROKER_DECLARE_TOPOLOGY', () => {
  const schema = z.object(commonEnvShape);
  it('is true unless set to false, and refuses anything else', () => {
    expect(loadEnv(schema, {}).BROKER_DECLARE_TOPOLOGY).toBe(true);
    expect(loadEnv(schema, { BROKER_DECLARE_TOPOLOGY: 'false' }).BROKER_DECLARE_TOPOLOGY).toBe(false);
    expect(() => loadEnv(schema, { BROKER_DECLARE_TOPOLOGY: 'no' })).toThrow(/BROKER_DECLARE_TOPOLOGY/);
  });
});
