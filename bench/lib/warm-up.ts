import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { TaskRecord } from '@offload/contracts';
import { openStorage } from '@offload/storage';
import { windowed } from './windowed';
import { AMQP_URL, assertRawQueue, deleteRawQueue, publishWindowed } from './raw-amqp';

/**
 * A publish/consume burst on a quorum queue of its own: this machine's broker runs ~30 % slow in
 * its first minutes. Returns the rate of each burst, so the log shows whether it had settled.
 */
export async function warmUpBroker(seconds: number, log: (line: string) => void): Promise<number[]> {
  const queue = `bench-warmup-${process.pid}-${Date.now().toString(36)}`;
  const connection = await amqplib.connect(AMQP_URL);
  const rates: number[] = [];
  try {
    const channel = await connection.createConfirmChannel();
    await assertRawQueue(channel, queue);
    const consumer = await connection.createChannel();
    await consumer.prefetch(50);
    let consumed = 0;
    await consumer.consume(queue, (m) => {
      if (m === null) return;
      consumer.ack(m);
      consumed += 1;
    });
    const body = Buffer.alloc(1024, 'x');
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const started = Date.now();
      const target = consumed + 5_000;
      await publishWindowed(channel, `${queue}.x`, queue, 5_000, 256, () => body);
      while (consumed < target) await new Promise((r) => setTimeout(r, 5));
      rates.push(5_000 / ((Date.now() - started) / 1000));
    }
    log(`broker warm-up: ${rates.length} bursts of 5 000 × 1 KB, ${rates.map((r) => Math.round(r)).join(', ')} msg/s`);
  } finally {
    await connection.close();
    await deleteRawQueue(queue);
  }
  return rates;
}

/** Finished tasks a DATA_DIR has already seen when the benches start. */
export const PAST_RECORDS = 30_000;

/**
 * Ages the suite's DATA_DIR, then warms it with the record-write pattern of a task (create, then
 * two locked updates, 50 tasks at a time) until three rounds agree within 15 %. On this VM's ext4,
 * small-file writes with fsync run 2-4x slower in a fresh, nearly empty records directory than in
 * one holding tens of thousands of records (measured side by side: ~350 vs ~1 150 tasks/s), and a
 * deployment's DATA_DIR holds one record per task ever run. So every row runs on one DATA_DIR that
 * already holds PAST_RECORDS finished records (written plainly, without fsync, to save time).
 * Returns the rate of each fsynced round.
 */
export async function warmUpStorage(dataDir: string, minSeconds: number, maxSeconds: number, log: (line: string) => void): Promise<number[]> {
  const storage = await openStorage({ dataDir });
  const seeded = Date.now();
  await windowed(PAST_RECORDS, 64, () => {
    const id = randomUUID();
    const at = new Date(seeded).toISOString();
    const record: TaskRecord = { id, task_type: 'watermark', status: 'succeeded', attempts: 1, created_at: at, updated_at: at, started_at: at, finished_at: at, progress: 1, result: { output_key: `out_${id}.png`, content_type: 'image/png' } };
    return storage.records.create(record);
  });
  const seedSeconds = (Date.now() - seeded) / 1000;
  const rates: number[] = [];
  const started = Date.now();
  for (;;) {
    const t = performance.now();
    await windowed(1_000, 50, async () => {
      const id = randomUUID();
      const at = new Date().toISOString();
      await storage.records.create({ id, task_type: 'watermark', status: 'queued', attempts: 0, created_at: at, updated_at: at });
      await storage.records.update(id, (c) => ({ ...c, status: 'processing', attempts: 1, started_at: at, updated_at: at }));
      await storage.records.update(id, (c) => ({ ...c, status: 'succeeded', result: { output_key: `out_${id}.txt`, content_type: 'text/plain' }, finished_at: at, updated_at: at }));
    });
    rates.push(1_000 / ((performance.now() - t) / 1000));
    const elapsed = (Date.now() - started) / 1000;
    const last = rates.slice(-3);
    const settled = last.length === 3 && Math.min(...last) / Math.max(...last) > 0.85;
    if (elapsed >= maxSeconds || (elapsed >= minSeconds && settled)) break;
  }
  log(
    `storage warm-up (DATA_DIR ${dataDir}): ${PAST_RECORDS.toLocaleString('en-US')} past records seeded in ${seedSeconds.toFixed(0)} s, then ${rates.length} rounds of 1 000 tasks' record writes, ${rates.map((r) => Math.round(r)).join(', ')} tasks/s`,
  );
  return rates;
}
