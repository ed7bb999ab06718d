import amqplib from 'amqplib';
import { AMQP_URL, assertRawQueue, deleteRawQueue, publishWindowed } from './raw-amqp';

/**
 * A publish/consume burst on a quorum queue of its own: this machine's broker runs ~30 % slow in
 * its first minutes. Returns the rate of each burst, so the log shows whether it had settled.
 *
 * The record databases get no warm-up of their own. The file store needed one (a fresh records
 * directory took fsynced small-file writes 2–4× slower than an aged one), but a database is a few
 * files whatever it holds: the record-write pattern of a task (create, then two moves, 50 tasks at a
 * time) ran no faster on a database seeded with 30 000 finished records (SQLite, PostgreSQL) or
 * 100 000 (PostgreSQL) than on a fresh one, within this machine's noise (2026-12-02, 12 rounds of
 * 1 000 tasks each way; PostgreSQL's rounds varied ±40 % in every case, with other jobs running).
 * Only each process's first round was slower: its own JIT and connections, which every row's
 * unmeasured batch per side already covers. A large table is row 6's subject, on 1 M records.
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
