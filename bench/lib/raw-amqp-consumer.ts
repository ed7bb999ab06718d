// Baseline consumer: raw amqplib, prefetch 50, manual ack, nothing else (no validation, no records).
//   node --import tsx bench/lib/raw-amqp-consumer.ts <queue>
import amqplib from 'amqplib';
import { reportToParent } from './consumer-protocol';
import { sentAtOfBody } from './noop-task';
import { AMQP_URL, assertRawQueue } from './raw-amqp';

async function main(): Promise<void> {
  const queue = process.argv[2] ?? '';
  const report = reportToParent();
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await assertRawQueue(channel, queue);
  await channel.prefetch(50);
  await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      report.handled(sentAtOfBody(message.content));
      channel.ack(message);
      report.completed();
    },
    { noAck: false },
  );
  report.ready();
  const shutdown = async () => {
    await connection.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('disconnect', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`raw consumer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
