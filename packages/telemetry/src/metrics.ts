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
}

export function createMetrics(role: 'api' | 'worker'): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    tasksSubmitted: new Counter({
      name: 'offload_tasks_submitted_total',
      help: 'Tasks submitted to the API, by outcome (accepted, not_accepted, rejected)',
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
  };
}
