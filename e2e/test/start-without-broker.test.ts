import { API_ENTRY, WORKER_ENTRY, freePort, startNode } from './processes';

describe('start-up without a broker', () => {
  it.each([
    ['api', API_ENTRY],
    ['worker', WORKER_ENTRY],
  ])('%s exits non-zero with one clear line when RabbitMQ is unreachable', async (name, entry) => {
    const deadPort = await freePort();
    const proc = startNode(entry, {
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${deadPort}`,
      BROKER_CONNECT_TIMEOUT_MS: '500',
      PORT: '0',
      WORKER_HTTP_PORT: '0',
      DATA_DIR: '/tmp/offload-e2e-unused',
    });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^offload-${name}: cannot reach RabbitMQ at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${deadPort}`));
    expect(lines[0]).toMatch(/rabbitmq-server -detached/);
  });

  it('exits non-zero naming each bad variable when the configuration is invalid', async () => {
    const proc = startNode(API_ENTRY, { PORT: '70000', AMQP_URL: 'http://nope', DATA_DIR: '/tmp/offload-e2e-unused' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.stderr()).toMatch(/PORT: .*65535/);
    expect(proc.stderr()).toMatch(/AMQP_URL: must be an amqp:\/\/ or amqps:\/\/ URL/);
  });
});
