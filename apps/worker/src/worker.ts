import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MessageSigner, TaskType, Topology } from '@offload/contracts';
import { createCallbackAnnouncer, createPublisher, createSubscriber, isIrrecoverableChannelError, type AmqpConnectionManager, type Subscriber } from '@offload/broker';
import type { Storage } from '@offload/storage';
import type { Logger, Metrics } from '@offload/telemetry';
import { NOTHING_ALLOWED } from './callbacks/callback-allow';
import { createCallbackDeliverer, type CallbackOptions } from './callbacks/deliver';
import { createConsumer } from './consumer';
import { createDeadLetterRecorder } from './dead-letter-recorder';
import type { HandlerRegistry } from './handlers/handler';
import { createHeartbeat } from './heartbeat';
import type { RetryLimits } from './retry-policy';
import { createTaskRecordKeeper } from './task-record-keeper';
import { workerVersion } from './worker-version';

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
  /** How often running tasks are checked for a client's cancel. @defaultValue 1 000 */
  cancelPollMs?: number;
  /** How often the worker writes its heartbeat row (`WORKER_HEARTBEAT_MS`). @defaultValue 5 000 */
  heartbeatMs?: number;
  /**
   * Declare the topology on every (re)connect (`BROKER_DECLARE_TOPOLOGY`), or only wait until it
   * has been declared. @defaultValue true
   */
  declareTopology?: boolean;
  /**
   * The keys (TASK_SIGNING_KEY and its previous one): messages that do not verify are
   * dead-lettered unrun, and the copies the worker publishes are signed. @defaultValue none
   */
  signer?: MessageSigner | undefined;
  /**
   * Webhook delivery (CALLBACK_ALLOW, CALLBACK_TIMEOUT_MS, CALLBACK_RETRY_FOR_MS).
   * @defaultValue https:// to public addresses only, 10 s per attempt, retried for 24 h
   */
  callbacks?: CallbackOptions;
}

export interface Worker {
  /** A UUID picked at creation: the id of its heartbeat row (GET /v1/workers). */
  readonly id: string;
  start(): Promise<void>;
  /** True while consuming on a live channel. */
  isReady(): boolean;
  /** Stops consuming, drains within the grace period, releases the rest, closes. Idempotent. */
  close(): Promise<void>;
}

/** Competing consumers for the configured task types plus the dead-letter recorder and webhook delivery. */
export function createWorker(deps: WorkerDeps): Worker {
  const log = deps.logger.child({ component: 'worker' });
  const onChannelError = (err: Error) => {
    if (isIrrecoverableChannelError(err)) deps.onFatal?.(err);
  };
  const publisher = createPublisher({ manager: deps.manager, topology: deps.topology, logger: deps.logger, publishTimeoutMs: deps.publishTimeoutMs, declareTopology: deps.declareTopology, sign: deps.signer });
  const host = hostname();
  // The name each run this worker starts carries in the record's `runs`: GET /v1/workers lists the same host and pid.
  const keeper = createTaskRecordKeeper({ records: deps.storage.records, maxLostRuns: deps.maxDeliveries, worker: `${host}:${process.pid}` });
  const announce = createCallbackAnnouncer({ publisher, topology: deps.topology, logger: deps.logger });
  const consumer = createConsumer({ ...deps, publisher, keeper, announce });
  const missing = deps.taskTypes.filter((t) => deps.handlers[t] === undefined);
  if (missing.length > 0) throw new Error(`no handler for task type(s) ${missing.join(', ')}`);
  const tasks: Subscriber = createSubscriber({
    manager: deps.manager,
    topology: deps.topology,
    logger: deps.logger,
    queues: deps.taskTypes.flatMap((t) => [deps.topology.highWorkQueues[t], deps.topology.workQueues[t]]),
    prefetch: deps.concurrency,
    onDelivery: (d) => consumer.onDelivery(d),
    onChannelError,
    declareTopology: deps.declareTopology,
  });
  const recordDeadLetter = createDeadLetterRecorder(keeper, log, announce);
  const deadLetters: Subscriber = createSubscriber({
    manager: deps.manager,
    topology: deps.topology,
    logger: deps.logger,
    queues: [deps.topology.deadLetterEventsQueue],
    prefetch: 10,
    onDelivery: (d) => void recordDeadLetter(d),
    onChannelError,
    declareTopology: deps.declareTopology,
  });
  const deliverCallback = createCallbackDeliverer({
    records: deps.storage.records,
    webhookSecrets: deps.storage.webhookSecrets,
    publisher,
    topology: deps.topology,
    logger: deps.logger,
    options: deps.callbacks ?? { allow: NOTHING_ALLOWED, timeoutMs: 10_000, retryForMs: 24 * 60 * 60 * 1000 },
  });
  const callbacks: Subscriber = createSubscriber({
    manager: deps.manager,
    topology: deps.topology,
    logger: deps.logger,
    queues: [deps.topology.callbackQueue],
    prefetch: 8,
    onDelivery: (d) => void deliverCallback(d),
    onChannelError,
    declareTopology: deps.declareTopology,
  });
  const id = randomUUID();
  const heartbeat = createHeartbeat({
    workers: deps.storage.workers,
    identity: { id, host, pid: process.pid, version: workerVersion(), taskTypes: deps.taskTypes, concurrency: deps.concurrency, startedMs: Date.now() },
    intervalMs: deps.heartbeatMs ?? 5_000,
    runningTaskIds: () => consumer.runningTaskIds(),
    logger: deps.logger,
  });
  let closing: Promise<void> | undefined;

  return {
    id,
    async start() {
      await Promise.all([publisher.waitForReady(), tasks.start(), deadLetters.start(), callbacks.start()]);
      await heartbeat.start();
      log.info({ worker_id: id, task_types: deps.taskTypes, concurrency: deps.concurrency, signing_key_id: deps.signer?.keyId ?? null }, 'worker consuming');
    },
    isReady: () => closing === undefined && publisher.isReady(),
    close() {
      closing ??= (async () => {
        const steps: [string, () => Promise<unknown>][] = [
          ['stop consuming', () => Promise.all([tasks.stopConsuming(), deadLetters.stopConsuming(), callbacks.stopConsuming()])],
          ['drain', () => consumer.drain(deps.shutdownGraceMs).finally(() => consumer.close())],
          // It beats on through the drain, so a long drain never reads as a lost worker.
          ['remove heartbeat', () => heartbeat.stop()],
          ['close subscribers', () => Promise.all([tasks.close(), deadLetters.close(), callbacks.close()])],
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
