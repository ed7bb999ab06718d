import type { Response } from 'express';

export interface EventStreamOptions {
  /** How long a client should wait before reconnecting (the `retry:` field). */
  retryMs: number;
  /** Time between two comment lines that keep proxies and the client's idle timers from closing a quiet stream. */
  heartbeatMs: number;
}

export interface EventStream {
  /**
   * Writes one event. False when the client is not keeping up (the socket's buffer is full):
   * the caller waits for `onDrain` before writing more.
   */
  send(event: { id?: string; event: string; data: string }): boolean;
  onDrain(listener: () => void): void;
  /** Ends the response; a second call does nothing. */
  end(): void;
}

/**
 * Starts a `text/event-stream` response (the WHATWG HTML "server-sent events" format) and keeps it
 * alive with a comment line every `heartbeatMs` until `end()` or the client leaves.
 */
export function openEventStream(res: Response, options: EventStreamOptions): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    // nginx (and proxies that follow it) would buffer the response and deliver events in bursts.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: ${options.retryMs}\n\n`);
  const heartbeat = setInterval(() => {
    if (!res.writableNeedDrain) res.write(': keep-alive\n\n');
  }, options.heartbeatMs);
  let ended = false;
  const stop = () => {
    ended = true;
    clearInterval(heartbeat);
  };
  res.once('close', stop);
  return {
    send({ id, event, data }) {
      if (ended) return false;
      // A data line ends at a line break: one `data:` field per line keeps a value intact.
      const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
      return res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines.join('')}\n`);
    },
    onDrain(listener) {
      res.once('drain', listener);
    },
    end() {
      if (ended) return;
      stop();
      res.end();
    },
  };
}
