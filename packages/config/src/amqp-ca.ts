import { readFileSync } from 'node:fs';
import { ConfigError } from './env';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The CA certificate(s) AMQP_CA_FILE names, read once at start-up for the broker connection
 * (undefined without it). A file that cannot be read or holds no PEM certificate is a ConfigError
 * naming the variable, on one line.
 */
export function amqpCaFrom(config: { AMQP_CA_FILE?: string | undefined }): Buffer | undefined {
  const path = config.AMQP_CA_FILE;
  if (path === undefined) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
    const reason = typeof code === 'string' ? code : String(err);
    throw new ConfigError([`AMQP_CA_FILE: cannot read ${JSON.stringify(path)} (${reason})`]);
  }
  if (!PEM_CERTIFICATE.test(pem.toString('latin1'))) {
    throw new ConfigError([`AMQP_CA_FILE: ${JSON.stringify(path)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`]);
  }
  return pem;
}
