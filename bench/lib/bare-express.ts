// Row 2's baselines: a bare Express 5 route that parses the JSON and answers 202, either after the
// broker confirmed a publish of it on one shared ConfirmChannel (concurrent requests' publishes
// pipeline on that channel), or at once with no broker (the ceiling).
//   node --import tsx bench/lib/bare-express.ts <port> <confirm|none> [queue]
import { randomUUID } from 'node:crypto';
import amqplib, { type ConfirmChannel } from 'amqplib';
import express from 'express';
import { AMQP_URL, assertRawQueue } from './raw-amqp';

async function main(): Promise<void> {
  const [port = '0', mode = 'none', queue = ''] = process.argv.slice(2);
  let channel: ConfirmChannel | undefined;
  let closeBroker = async () => {};
  if (mode === 'confirm') {
    const connection = await amqplib.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
    await assertRawQueue(channel, queue);
    closeBroker = () => connection.close();
  }
  const publish = (body: Buffer, id: string) =>
    new Promise<void>((resolve, reject) => {
      channel?.publish(`${queue}.x`, queue, body, { persistent: true, mandatory: true, contentType: 'application/json', messageId: id }, (err) =>
        err ? reject(err instanceof Error ? err : new Error('nacked')) : resolve(),
      );
    });

  const app = express();
  app.post('/v1/tasks', express.json({ limit: '1mb' }), async (req, res) => {
    const id = randomUUID();
    if (channel) await publish(Buffer.from(JSON.stringify(req.body)), id);
    const self = `/v1/tasks/${id}`;
    res.status(202).location(self).json({ id, task_type: (req.body as { task_type?: string }).task_type, status: 'queued', links: { self, result: `${self}/result` } });
  });
  app.get('/readyz', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(Number(port), '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close();
    void closeBroker().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bare express: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
