import { buildTopology, type Topology } from '@offload/contracts';
import { amqpCaFrom, runCommand, storageOptionsFrom } from '@offload/config';
import {
  BrokerUnreachableError,
  QueueNotFoundError,
  connectBroker,
  createPublisher,
  openDeadLetterQueue,
  waitForBroker,
  type AmqpConnectionManager,
  type DeadLetterQueueReader,
} from '@offload/broker';
import { openStorage, RecordStoreUnreachableError } from '@offload/storage';
import { createLogger, type Logger } from '@offload/telemetry';
import { listDeadLetters, purgeCompleted, purgeDeadLetters, redriveCompleted, redriveDeadLetters, type DeadLetterSelection } from '@offload/dead-letters';
import { signerFrom } from '../signing-config';
import { loadDlqConfig, type DlqConfig } from './config';
import { formatDeadLetters, formatDeadLettersJson, formatPurgeReport, formatRedriveReport } from './format';
import { USAGE, UsageError, parseDlqArgs } from './parse-args';

/**
 * `npm run dlq -- list|redrive|purge`: the entry point, and the only file with side effects.
 * Exit codes: 0 done, 1 failed (broker, configuration, an id not found, an entry left), 2 usage.
 */
async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseDlqArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`offload dlq: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadDlqConfig(process.env);
  const topology = buildTopology(config.QUEUE_PREFIX);
  // Silent: stdout carries the table or the JSON, and every failure is reported below.
  const logger = createLogger({ name: 'dlq', level: 'silent' });
  const manager = connectBroker({ url: config.AMQP_URL, ca: amqpCaFrom(config), logger, connectionName: 'offload-dlq' });
  try {
    await waitForBroker(manager, config.AMQP_URL, config.BROKER_CONNECT_TIMEOUT_MS);
    const reader = await openDeadLetterQueue({ manager, queue: topology.deadLetterQueue });
    try {
      if (command.command === 'list') {
        const { rows } = await listDeadLetters(reader);
        await reader.close();
        process.stdout.write(`${command.json ? formatDeadLettersJson(rows) : formatDeadLetters(rows, reader.queue)}\n`);
        return 0;
      }
      if (command.command === 'purge') {
        // Needs neither the record store nor a publisher: a purge changes no task record.
        const { outcomes } = await purgeDeadLetters({ reader }, command.selection);
        process.stdout.write(`${formatPurgeReport(outcomes, reader.queue)}\n`);
        return purgeCompleted(outcomes) ? 0 : 1;
      }
      return await redrive({ config, topology, manager, reader, logger }, command.selection);
    } finally {
      await reader.close();
    }
  } finally {
    await manager.close();
  }
}

async function redrive(
  ctx: { config: DlqConfig; topology: Topology; manager: AmqpConnectionManager; reader: DeadLetterQueueReader; logger: Logger },
  selection: DeadLetterSelection,
): Promise<number> {
  const signer = await signerFrom(ctx.config);
  const storage = await openStorage(storageOptionsFrom(ctx.config));
  const publisher = createPublisher({ manager: ctx.manager, topology: ctx.topology, logger: ctx.logger, publishTimeoutMs: ctx.config.PUBLISH_TIMEOUT_MS, declareTopology: false, sign: signer });
  try {
    await withDeadline(publisher.waitForReady(), ctx.config.BROKER_CONNECT_TIMEOUT_MS, 'no confirmed channel to RabbitMQ (has a worker declared the topology?)');
    const { outcomes } = await redriveDeadLetters({ reader: ctx.reader, publisher, records: storage.records, topology: ctx.topology, signer }, selection);
    // Closing waits until the broker has processed every ack: only then is the report true.
    await ctx.reader.close();
    process.stdout.write(`${formatRedriveReport(outcomes, ctx.reader.queue)}\n`);
    return redriveCompleted(outcomes) ? 0 : 1;
  } finally {
    await publisher.close();
    await storage.close();
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

runCommand('offload dlq', () => main(process.argv.slice(2)), (err) => err instanceof BrokerUnreachableError || err instanceof RecordStoreUnreachableError || err instanceof QueueNotFoundError);
