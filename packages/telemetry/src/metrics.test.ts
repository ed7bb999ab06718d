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
});
