import { describe, expect, it } from '@jest/globals';
import { openLiveStream, type LiveState } from './live-stream';
import type { SseEvent } from './sse-parser';

/** A response whose body is the given chunks, then the end (or an error). */
function streamResponse(chunks: string[], status = 200): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'Content-Type': 'text/event-stream' } });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function harness(answers: (() => Promise<Response>)[]) {
  const events: SseEvent[] = [];
  const states: LiveState[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const requests: RequestInit[] = [];
  let call = 0;
  const close = openLiveStream({
    url: '/v1/events',
    key: 'ofk_test',
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    fetchImpl: (_url, init) => {
      requests.push(init ?? {});
      const answer = answers[Math.min(call++, answers.length - 1)];
      return answer === undefined ? Promise.reject(new Error('no answer')) : answer();
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
    minDelayMs: 1_000,
    maxDelayMs: 4_000,
  });
  return { events, states, timers, requests, close };
}

describe('openLiveStream', () => {
  it('sends the key in a header, delivers events, and reconnects when the stream drops', async () => {
    const h = harness([() => Promise.resolve(streamResponse(['event: tasks\ndata: {"tasks":[]}\n\n']))]);
    await flush();
    await flush();
    expect((h.requests[0]?.headers as Record<string, string>).Authorization).toBe('Bearer ofk_test');
    expect(h.events.map((e) => e.event)).toEqual(['tasks']);
    expect(h.states.map((s) => s.kind)).toEqual(['connecting', 'live', 'down']);
    h.close();
  });

  it('backs off while the API is down (1 s, 2 s, 4 s, 4 s) and resets once connected', async () => {
    const down = () => Promise.reject(new TypeError('fetch failed'));
    const h = harness([down, down, down, down, () => Promise.resolve(streamResponse([': hi\n\n']))]);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await flush();
      const timer = h.timers.filter((t) => t.ms !== 45_000).at(-1);
      if (timer === undefined) throw new Error('no retry timer');
      delays.push(timer.ms);
      timer.fn();
    }
    await flush();
    await flush();
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(h.states.filter((s) => s.kind === 'live')).toHaveLength(1);
    h.close();
  });

  it('stops for good on 401, with the API’s reason', async () => {
    const h = harness([
      () => Promise.resolve(new Response(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'the API key is unknown or revoked' }), { status: 401 })),
    ]);
    await flush();
    await flush();
    expect(h.states.at(-1)).toEqual({ kind: 'refused', status: 401, reason: 'the API key is unknown or revoked' });
    expect(h.timers.filter((t) => t.ms !== 45_000)).toHaveLength(0);
  });
});
