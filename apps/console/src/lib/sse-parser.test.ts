import { describe, expect, it } from '@jest/globals';
import { createSseParser, type SseEvent } from './sse-parser';

function parse(chunks: string[]): { events: SseEvent[]; retryMs: number | undefined } {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return { events, retryMs: parser.retryMs };
}

describe('createSseParser', () => {
  it('reads named events, ids, retry and joins data lines', () => {
    const { events, retryMs } = parse(['retry: 2000\n\nid: 7\nevent: task\ndata: {"a":1,\ndata: "b":2}\n\n']);
    expect(retryMs).toBe(2000);
    expect(events).toEqual([{ event: 'task', data: '{"a":1,\n"b":2}', id: '7' }]);
  });

  it('takes events split anywhere across chunks, CRLF split between two chunks included', () => {
    const text = 'event: tasks\r\ndata: {"tasks":[]}\r\n\r\n: keep-alive\r\n\r\nevent: stats\rdata: x\r\r';
    for (let cut = 1; cut < text.length; cut++) {
      const { events } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(events).toEqual([
        { event: 'tasks', data: '{"tasks":[]}', id: undefined },
        { event: 'stats', data: 'x', id: undefined },
      ]);
    }
  });

  it('skips comments and events without data, names unnamed events message', () => {
    const { events } = parse([': hello\n\nevent: empty\n\ndata: plain\n\n']);
    expect(events).toEqual([{ event: 'message', data: 'plain', id: undefined }]);
  });

  it('keeps markup in data as text, untouched', () => {
    const { events } = parse(['data: <img src=x onerror=alert(1)>\n\n']);
    expect(events[0]?.data).toBe('<img src=x onerror=alert(1)>');
  });

  it('ignores a retry that is not a number and an unknown field', () => {
    const { events, retryMs } = parse(['retry: soon\nfoo: bar\ndata: 1\n\n']);
    expect(retryMs).toBeUndefined();
    expect(events).toHaveLength(1);
  });
});
