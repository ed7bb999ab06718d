import type { TaskType, Topology } from '@offload/contracts';
import { createPublisher, createSubscriber, isIrrecoverableChannelError, type AmqpConnectionManager, type Subscriber } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { createConsumer } from './consumer';
import { createDeadLetterRecorder } from './dead-letter-recorder';
import type { HandlerRegistry } from './handlers/handler';
import type { RetryLimits } from './retry-policy';
import { createTaskRecordKeeper } from './task-record-keeper';

export interface WorkerDeps {
  manager: AmqpConnectionManager;
  topology: Topology;
  storage: Storage;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics: Metrics;
  taskTypes: readonly TaskType[];
  concurrency: number;
  maxDeliveries: number;
  shutdownGraceMs: number;
  publishTimeoutMs: number;
  limits: (taskType: TaskType) => RetryLimits & { timeoutMs: number };
  /** Called once if the broker refuses the topology or access (403/404/406): a config fault. */
  onFatal?: (err: Error) => void;
  random?: () => number;
  /** Pause before a delivery that could not be settled goes back to the queue. @defaultValue 5 000 */
  settleRetryDelayMs?: number;
}

export interface Worker {
  start(): Promise<void>;
  /** True while consuming on a live channel. */
  isReady(): boolean;
  /** Stops consuming, drains within the grace period, releases the rest, closes. Idempotent. */
  close(): Promise<void>;
}

/** Competing consumers for the configured task types plus the dead-letter recorder. */
export function createWorker(deps: WorkerDeps): Worker {
  const log = deps.logger.child({ component: 'worker' });
  const onChannelError = (err: Error) => {
    if (isIrrecoverableChannelError(err)) deps.onFatal?.(err);
  };
  const publisher = createPublisher({ manager: deps.manager, topology: deps.topology, logger: deps.logger, publishTimeoutMs: deps.publishTimeoutMs });
  const keeper = createTaskRecordKeeper({ records: deps.storage.records, maxLostRuns: deps.maxDeliveries });
  const consumer = createConsumer({ ...deps, publisher, keeper });
  const missing = deps.taskTypes.filter((t) => deps.handlers[t] === undefined);
  if (missing.length > 0) throw new Error(`no handler for task type(s) ${missing.join(', ')}`);
  const tasks: Subscriber = createSubscriber({
    manager: deps.manager,
    topology: deps.topology,
    logger: deps.logger,
    queues: deps.taskTypes.map((t) => deps.topology.workQueues[t]),
    prefetch: deps.concurrency,
    onDelivery: (d) => consumer.onDelivery(d),
    onChannelError,
  });
  const recordDeadLetter = createDeadLetterRecorder(keeper, log);
  const deadLetters: Subscriber = createSubscriber({
    manager: deps.manager,
    topology: deps.topology,
    logger: deps.logger,
    queues: [deps.topology.deadLetterEventsQueue],
    prefetch: 10,
    onDelivery: (d) => void recordDeadLetter(d),
    onChannelError,
  });
  let closing: Promise<void> | undefined;

  return {
    async start() {
      await Promise.all([publisher.waitForReady(), tasks.start(), deadLetters.start()]);
      log.info({ task_types: deps.taskTypes, concurrency: deps.concurrency }, 'worker consuming');
    },
    isReady: () => closing === undefined && publisher.isReady(),
    close() {
      closing ??= (async () => {
        const steps: [string, () => Promise<unknown>][] = [
          ['stop consuming', () => Promise.all([tasks.stopConsuming(), deadLetters.stopConsuming()])],
          ['drain', () => consumer.drain(deps.shutdownGraceMs)],
          ['close subscribers', () => Promise.all([tasks.close(), deadLetters.close()])],
          ['close publisher', () => publisher.close()],
        ];
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (err) {
            log.error({ err, step: name }, 'shutdown step failed');
          }
        }
        log.info('worker closed');
      })();
      return closing;
    },
  };
}
