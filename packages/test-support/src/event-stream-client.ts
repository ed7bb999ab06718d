/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface EventStreamClient {
  status: number;
  headers: Headers;
  /** The `retry:` value the server sent, once read. */
  readonly retryMs: number | undefined;
  /** Comment lines read so far (heartbeats). */
  readonly comments: readonly string[];
  /** The next event, or undefined once the server ended the stream; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ServerSentEvent | undefined>;
  /** Every event until the server ends the stream. */
  rest(timeoutMs?: number): Promise<ServerSentEvent[]>;
  /** The body of a response that is not an event stream. */
  text(): Promise<string>;
  /** Disconnects (the client going away). */
  close(): void;
}

/**
 * A small client of the WHATWG "server-sent events" format over fetch, for tests: fields, comments,
 * multi-line data, and an end when the server closes the stream.
 */
export async function connectEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const isStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const reader = isStream && response.body !== null ? response.body.pipeThrough(new TextDecoderStream()).getReader() : undefined;
  const queue: ServerSentEvent[] = [];
  const comments: string[] = [];
  let retryMs: number | undefined;
  let buffer = '';
  let ended = false;
  let pending: { id: string | undefined; event: string; data: string[] } = { id: undefined, event: 'message', data: [] };
  let lastId: string | undefined;

  const takeLine = (line: string) => {
    if (line === '') {
      if (pending.data.length > 0) queue.push({ id: lastId, event: pending.event, data: pending.data.join('\n') });
      pending = { id: undefined, event: 'message', data: [] };
      return;
    }
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') pending.data.push(value);
    else if (field === 'event') pending.event = value;
    else if (field === 'id') lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
  };

  let inflight: Promise<void> | undefined;
  const read = (): Promise<void> => {
    inflight ??= readChunk().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  const readChunk = async (): Promise<void> => {
    if (reader === undefined) {
      ended = true;
      return;
    }
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      // Aborted by close(), or the connection broke: no more events either way.
      ended = true;
      return;
    }
    const { value, done } = chunk;
    if (done) {
      ended = true;
      return;
    }
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) takeLine(line);
  };

  const next = async (timeoutMs = 10_000): Promise<ServerSentEvent | undefined> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0 && !ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event from ${url} within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no event from ${url} within ${timeoutMs} ms`)), left);
      });
      try {
        await Promise.race([read(), late]);
      } finally {
        clearTimeout(timer);
      }
    }
    return queue.shift();
  };

  return {
    status: response.status,
    headers: response.headers,
    get retryMs() {
      return retryMs;
    },
    comments,
    next,
    async rest(timeoutMs = 10_000) {
      const events: ServerSentEvent[] = [];
      for (let event = await next(timeoutMs); event !== undefined; event = await next(timeoutMs)) events.push(event);
      return events;
    },
    text: () => response.text(),
    close() {
      abort.abort();
    },
  };
}
