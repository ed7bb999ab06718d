import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process with offload's metric names. Both roles expose it on `/metrics`.
 * Labels are bounded sets (task types, statuses, outcomes), never ids.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly tasksSubmitted: Counter<'task_type' | 'outcome'>;
  readonly publishDuration: Histogram<'outcome'>;
  readonly tasksProcessed: Counter<'task_type' | 'outcome'>;
  readonly taskDuration: Histogram<'task_type' | 'outcome'>;
  readonly tasksInFlight: Gauge<'task_type'>;
  readonly brokerConnected: Gauge;
  /** Worker: failed runs by error code, `outcome` retried or dead_lettered (the record ends failed). */
  readonly taskFailures: Counter<'task_type' | 'code' | 'outcome'>;
  /** API: waiting tasks a client cancelled (a running one is counted by its worker, outcome cancelled). */
  readonly tasksCancelled: Counter<'task_type'>;
  /** Worker: queued (or due, when scheduled) → first run started. */
  readonly taskWait: Histogram<'task_type'>;
  /** Worker: WORKER_CONCURRENCY, the slots this process has. */
  readonly workerConcurrency: Gauge;
  /** Worker: slots holding a delivery now (verifying, running or settling it). */
  readonly workerSlotsInUse: Gauge;
  /** Both roles: record database calls, by store and operation. */
  readonly recordStoreDuration: Histogram<'store' | 'operation' | 'outcome'>;
}

export function createMetrics(role: 'api' | 'worker'): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    tasksSubmitted: new Counter({
      name: 'offload_tasks_submitted_total',
      help: 'Tasks submitted to the API, by outcome (accepted; not_accepted: the broker did not confirm in time, the client got 503)',
      labelNames: ['task_type', 'outcome'],
      registers: [registry],
    }),
    publishDuration: new Histogram({
      name: 'offload_publish_duration_seconds',
      help: 'Time from publish to the broker confirm',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    tasksProcessed: new Counter({
      name: 'offload_tasks_processed_total',
      help: 'Deliveries handled by workers, by outcome (succeeded, retried, dead_lettered, skipped, released)',
      labelNames: ['task_type', 'outcome'],
      registers: [registry],
    }),
    taskDuration: new Histogram({
      name: 'offload_task_duration_seconds',
      help: 'Handler run time',
      labelNames: ['task_type', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    tasksInFlight: new Gauge({
      name: 'offload_tasks_in_flight',
      help: 'Tasks a worker is running now',
      labelNames: ['task_type'],
      registers: [registry],
    }),
    brokerConnected: new Gauge({
      name: 'offload_broker_connected',
      help: '1 while the process has a connection to RabbitMQ',
      registers: [registry],
    }),
    taskFailures: new Counter({
      name: 'offload_task_failures_total',
      help: 'Failed runs and messages by error code; outcome retried, or dead_lettered (the record ends failed)',
      labelNames: ['task_type', 'code', 'outcome'],
      registers: [registry],
    }),
    tasksCancelled: new Counter({
      name: 'offload_tasks_cancelled_total',
      help: 'Waiting tasks (scheduled, queued, retrying) cancelled by a client through this API',
      labelNames: ['task_type'],
      registers: [registry],
    }),
    taskWait: new Histogram({
      name: 'offload_task_wait_seconds',
      help: "Time from a task's queueing (its run_at when scheduled) to the start of its first run",
      labelNames: ['task_type'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    workerConcurrency: new Gauge({
      name: 'offload_worker_concurrency',
      help: 'Slots of this worker process (WORKER_CONCURRENCY)',
      registers: [registry],
    }),
    workerSlotsInUse: new Gauge({
      name: 'offload_worker_slots_in_use',
      help: 'Slots of this worker process holding a delivery now',
      registers: [registry],
    }),
    recordStoreDuration: new Histogram({
      name: 'offload_record_store_duration_seconds',
      help: 'Record database calls by store (records, queries) and operation, outcome ok or error',
      labelNames: ['store', 'operation', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
