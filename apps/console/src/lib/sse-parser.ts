/** One Server-Sent Event as the WHATWG HTML "event stream" format defines it. */
export interface SseEvent {
  /** `message` when the event names none. */
  event: string;
  data: string;
  id: string | undefined;
}

export interface SseParser {
  /** Feeds decoded text; complete events go to `onEvent` in order. */
  push(text: string): void;
  /** The `retry:` the server asked for last, in ms. */
  readonly retryMs: number | undefined;
}

/**
 * A parser of `text/event-stream`, for streams read with `fetch` (EventSource cannot send an
 * Authorization header, and the console never puts its key in a URL). Lines end in CRLF, LF or CR;
 * a blank line ends an event; comment lines (`:`) are skipped; several `data:` lines join with LF.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let retryMs: number | undefined;
  /** A CR at the end of a chunk may be half of a CRLF split across two chunks. */
  let pendingCr = false;

  function line(text: string): void {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event === '' ? 'message' : event, data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
  }

  return {
    push(text) {
      let input = text;
      if (pendingCr && input.startsWith('\n')) input = input.slice(1);
      pendingCr = false;
      buffer += input;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (match === null) break;
        if (match[0] === '\r' && match.index === buffer.length - 1) {
          pendingCr = true;
        }
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    get retryMs() {
      return retryMs;
    },
  };
}
