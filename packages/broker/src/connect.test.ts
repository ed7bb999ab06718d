import { describe, expect, it } from '@jest/globals';
import { brokerFailureMessage } from './connect';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('brokerFailureMessage', () => {
  it('names AMQP_CA_FILE when the certificate does not verify, on one line and without the password', () => {
    const line = brokerFailureMessage('amqps://offload-api:secret@rabbit:5671', 10_000, withCode('self-signed certificate in\ncertificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'));
    expect(line).toContain('AMQP_CA_FILE');
    expect(line).toContain('self-signed certificate in certificate chain');
    expect(line).not.toContain('secret');
    expect(line).not.toContain('\n');
  });

  it('says the port may not be a TLS listener when the handshake fails', () => {
    expect(brokerFailureMessage('amqps://rabbit:5672', 1_000, withCode('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'))).toMatch(/TLS listener/);
  });

  it('points at the user and password when the login is refused', () => {
    const err = new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"');
    expect(brokerFailureMessage('amqp://offload-api:nope@rabbit', 1_000, err)).toMatch(/refused the login .*check the user and password in AMQP_URL$/);
  });

  it('says how to get a broker when none answers, with the last error', () => {
    const line = brokerFailureMessage('amqp://localhost:5999', 500, withCode('connect ECONNREFUSED 127.0.0.1:5999', 'ECONNREFUSED'));
    expect(line).toMatch(/^cannot reach RabbitMQ at amqp:\/\/localhost:5999 within 500 ms \(connect ECONNREFUSED 127\.0\.0\.1:5999\): start one/);
    expect(brokerFailureMessage('amqp://localhost:5999', 500, undefined)).toMatch(/within 500 ms: start one/);
  });
});
