import { createMetrics } from './metrics';

describe('createMetrics', () => {
  it('exposes offload metrics labelled with the role in Prometheus text', async () => {
    const metrics = createMetrics('worker');
    metrics.tasksProcessed.inc({ task_type: 'watermark', outcome: 'succeeded' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('offload_tasks_processed_total{task_type="watermark",outcome="succeeded",role="worker"} 1');
    expect(text).toContain('offload_broker_connected');
  });

  it('gives each process role its own registry', async () => {
    const a = createMetrics('api');
    const b = createMetrics('api');
    a.tasksSubmitted.inc({ task_type: 'watermark', outcome: 'accepted' });
    expect(await b.registry.metrics()).not.toContain('outcome="accepted"');
  });

  it('exposes the task-queue exporter metrics with bounded labels', async () => {
    const metrics = createMetrics('worker');
    metrics.taskFailures.inc({ task_type: 'analysis', code: 'invalid_data', outcome: 'dead_lettered' });
    metrics.taskFailures.inc({ task_type: 'analysis', code: 'handler_failed', outcome: 'retried' });
    metrics.taskWait.observe({ task_type: 'analysis' }, 0.2);
    metrics.workerConcurrency.set(4);
    metrics.workerSlotsInUse.inc();
    const text = await metrics.registry.metrics();
    expect(text).toContain('offload_task_failures_total{task_type="analysis",code="invalid_data",outcome="dead_lettered",role="worker"} 1');
    expect(text).toContain('offload_task_failures_total{task_type="analysis",code="handler_failed",outcome="retried",role="worker"} 1');
    expect(text).toContain('offload_task_wait_seconds_bucket{le="0.25",role="worker",task_type="analysis"} 1');
    expect(text).toContain('offload_worker_concurrency{role="worker"} 4');
    expect(text).toContain('offload_worker_slots_in_use{role="worker"} 1');
    expect(text).toContain('# TYPE offload_record_store_duration_seconds histogram');
  });

  it('counts tasks the API cancelled by type', async () => {
    const metrics = createMetrics('api');
    metrics.tasksCancelled.inc({ task_type: 'thumbnail' });
    expect(await metrics.registry.metrics()).toContain('offload_tasks_cancelled_total{task_type="thumbnail",role="api"} 1');
  });
});
