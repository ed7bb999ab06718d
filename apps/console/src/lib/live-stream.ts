import { createSseParser, type SseEvent } from './sse-parser';
import { problemOf, type FetchLike } from './api-client';

/** Where a live connection stands, for the banner that tells the operator. */
export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Lost; trying again at `retryAt` (ms since the epoch). */
  | { kind: 'down'; retryAt: number; reason: string }
  /** The API refused the key (401) or the scope (403), or there is nothing there (404): no point in retrying. */
  | { kind: 'refused'; status: number; reason: string }
  /** The stream ended as the server meant it to (a finished task's events). */
  | { kind: 'ended' };

export interface LiveOptions {
  url: string;
  key: string;
  onEvent(event: SseEvent): void;
  onState(state: LiveState): void;
  /** Called on every (re)connection before events flow: the page reads its state afresh. */
  onConnected?(): void;
  fetchImpl?: FetchLike;
  /** First and last delay between reconnections; each failure doubles it. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Asked when the server ends the stream: true means done (a finished task), false reconnect. */
  endIsFinal?: () => boolean;
  /** Extra request headers for each (re)connection (`Last-Event-ID`). */
  headers?: () => Record<string, string>;
  /** Time without any byte (events or keep-alive comments) after which the stream counts as lost. */
  idleMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * One Server-Sent Events connection read with `fetch` (so the key travels in a header), that
 * reconnects by itself with a doubling delay while the API is down, and stops for good on 401/403
 * or when closed. Returns the function that closes it.
 */
export function openLiveStream(options: LiveOptions): () => void {
  const fetchImpl = options.fetchImpl ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const minDelay = options.minDelayMs ?? 1_000;
  const maxDelay = options.maxDelayMs ?? 15_000;
  const idleMs = options.idleMs ?? 45_000;
  let delay = minDelay;
  let closed = false;
  let controller: AbortController | undefined;
  let retryTimer: unknown;
  let idleTimer: unknown;

  const retryLater = (reason: string) => {
    if (closed) return;
    const wait = delay;
    delay = Math.min(maxDelay, delay * 2);
    options.onState({ kind: 'down', retryAt: Date.now() + wait, reason });
    retryTimer = setTimer(() => void connect(), wait);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    controller = new AbortController();
    const own = controller;
    const resetIdle = () => {
      clearTimer(idleTimer);
      idleTimer = setTimer(() => own.abort(), idleMs);
    };
    options.onState({ kind: 'connecting' });
    let response: Response;
    try {
      response = await fetchImpl(options.url, { headers: { ...options.headers?.(), Authorization: `Bearer ${options.key}`, Accept: 'text/event-stream' }, cache: 'no-store', credentials: 'omit', signal: own.signal });
    } catch {
      retryLater('the API is unreachable');
      return;
    }
    // No key, no scope, or nothing there (a task of another tenant): retrying cannot help.
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      const problem = await problemOf(response);
      options.onState({ kind: 'refused', status: response.status, reason: problem.message });
      return;
    }
    if (response.status === 204) {
      options.onState({ kind: 'ended' });
      return;
    }
    if (!response.ok || response.body === null) {
      const problem = await problemOf(response);
      retryLater(problem.message);
      return;
    }
    delay = minDelay;
    options.onState({ kind: 'live' });
    options.onConnected?.();
    const parser = createSseParser((event) => {
      if (!closed) options.onEvent(event);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    resetIdle();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        resetIdle();
        parser.push(value);
      }
    } catch {
      // Aborted (closed, or idle) or the connection dropped: decided below.
    } finally {
      clearTimer(idleTimer);
    }
    if (closed) return;
    if (options.endIsFinal?.() === true && !own.signal.aborted) {
      options.onState({ kind: 'ended' });
      return;
    }
    retryLater('the connection to the API was lost');
  }

  void connect();
  return () => {
    closed = true;
    clearTimer(retryTimer);
    clearTimer(idleTimer);
    controller?.abort();
  };
}
