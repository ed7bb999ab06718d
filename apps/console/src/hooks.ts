import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from './lib/api-client';
import { openLiveStream, type LiveState } from './lib/live-stream';
import type { SseEvent } from './lib/sse-parser';

/** The page's one live connection; `onEvent` and `onConnected` may change between renders. */
export function useLive(url: string | undefined, api: ApiClient, handlers: { onEvent(e: SseEvent): void; onConnected?(): void; endIsFinal?(): boolean; headers?(): Record<string, string> }): LiveState {
  const [state, setState] = useState<LiveState>({ kind: 'connecting' });
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    if (url === undefined) return undefined;
    return openLiveStream({
      url,
      key: api.key,
      onEvent: (e) => latest.current.onEvent(e),
      onState: setState,
      onConnected: () => latest.current.onConnected?.(),
      endIsFinal: () => latest.current.endIsFinal?.() ?? false,
      headers: () => latest.current.headers?.() ?? {},
    });
  }, [url, api]);
  return state;
}

/** The current time, ticking every `ms` (for "12 s ago"). */
export function useNow(ms = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The page's hash, updated on navigation. */
export function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}
