import { Registry } from 'prom-client';
import { registerQueueDepthMetrics, type QueueDepthSnapshot } from './queue-depth-metrics';

const snapshot = (ready: number): QueueDepthSnapshot => ({
  work: [
    { taskType: 'watermark', queue: 'normal', ready, unacked: 2 },
    { taskType: 'watermark', queue: 'high', ready: 0, unacked: null },
  ],
  deadLetters: { ready: 4, unacked: null },
});

describe('registerQueueDepthMetrics', () => {
  it('exposes ready and unacked per task type and queue, and the dead letters, read at scrape time', async () => {
    const registry = new Registry();
    registerQueueDepthMetrics({ registry, read: () => Promise.resolve(snapshot(7)) });
    const text = await registry.metrics();
    expect(text).toContain('offload_queue_messages{task_type="watermark",queue="normal",state="ready"} 7');
    expect(text).toContain('offload_queue_messages{task_type="watermark",queue="normal",state="unacked"} 2');
    expect(text).toContain('offload_queue_messages{task_type="watermark",queue="high",state="ready"} 0');
    expect(text).not.toContain('queue="high",state="unacked"');
    expect(text).toContain('offload_dead_letter_messages{state="ready"} 4');
    expect(text).not.toContain('offload_dead_letter_messages{state="unacked"}');
  });

  it('reads once for both gauges and reuses a read younger than cacheMs', async () => {
    const registry = new Registry();
    let reads = 0;
    let clock = 0;
    registerQueueDepthMetrics({ registry, read: () => Promise.resolve(snapshot(++reads)), cacheMs: 1_000, now: () => clock });
    await registry.metrics();
    expect(reads).toBe(1);
    clock = 500;
    expect(await registry.metrics()).toContain('state="ready"} 1');
    clock = 1_000;
    expect(await registry.metrics()).toContain('state="ready"} 2');
    expect(reads).toBe(2);
  });

  it('answers a scrape within timeoutMs when the broker does not, with no depth series', async () => {
    const registry = new Registry();
    registerQueueDepthMetrics({ registry, read: () => new Promise<QueueDepthSnapshot>(() => undefined), timeoutMs: 50 });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE offload_queue_messages gauge');
    expect(text).not.toContain('offload_queue_messages{');
    expect(text).not.toContain('offload_dead_letter_messages{');
  });

  it('drops the last values when a read fails', async () => {
    const registry = new Registry();
    let fail = false;
    let clock = 0;
    registerQueueDepthMetrics({ registry, read: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(snapshot(3))), cacheMs: 10, now: () => clock });
    expect(await registry.metrics()).toContain('state="ready"} 3');
    fail = true;
    clock = 100;
    expect(await registry.metrics()).not.toContain('offload_queue_messages{');
  });
});
