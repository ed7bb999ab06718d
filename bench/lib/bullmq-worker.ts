// Peer baseline consumer: a BullMQ Worker (concurrency 50) with a no-op processor on local Redis.
//   node --import tsx bench/lib/bullmq-worker.ts <queue>
import { Worker } from 'bullmq';
import { reportToParent } from './consumer-protocol';
import { REDIS } from './bullmq';
import { sentAtOf } from './noop-task';

interface JobData {
  content?: { watermark?: { text?: string } };
}

async function main(): Promise<void> {
  const queue = process.argv[2] ?? '';
  const report = reportToParent();
  const worker = new Worker<JobData>(
    queue,
    async (job) => {
      report.handled(sentAtOf(job.data.content?.watermark?.text));
    },
    { connection: { ...REDIS, maxRetriesPerRequest: null }, concurrency: 50 },
  );
  worker.on('completed', () => report.completed());
  worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
  await worker.waitUntilReady();
  report.ready();
  const shutdown = async () => {
    await worker.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('disconnect', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`bullmq worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
