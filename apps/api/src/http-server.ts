import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE, problemType, type ErrorCode, type Problem } from '@offload/contracts';
import type { Logger } from '@offload/telemetry';

export interface HttpServerOptions {
  /** The whole request (headers and body) must arrive within this time, else `408`. */
  requestTimeoutMs: number;
  /** At most this long without a byte from a client that is still sending its request, else `408`. */
  idleTimeoutMs: number;
  /** The request headers must arrive within this time, else `408`. @defaultValue min(60 s, requestTimeoutMs) */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this time. @defaultValue 5 000 */
  keepAliveTimeoutMs?: number;
}

/** Node's own codes for a request it could not parse or that came too slowly, mapped to ours. */
const CLIENT_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
};

/**
 * The HTTP server around the app, with every request bounded in time: the headers
 * (`headersTimeoutMs`), the whole request (`requestTimeoutMs`, checked by Node every few
 * seconds) and the silence between two bytes of a request still being sent (`idleTimeoutMs`).
 * A client that breaks a bound gets a `408` problem and its connection is closed, so a slow or
 * stalled client cannot hold a connection and a file descriptor for ever. A response the server
 * is still working on is never cut by these bounds; one the client stopped reading is.
 */
export function createHttpServer(app: RequestListener, options: HttpServerOptions, logger: Logger): Server {
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 60_000, options.requestTimeoutMs);
  const server = createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // How often Node checks the two bounds above; its default (30 s) would stretch short ones.
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(Math.min(options.requestTimeoutMs, headersTimeoutMs) / 4))),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    },
    app,
  );
  // The exchange in progress on each connection, to answer a timeout on it.
  const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    current.set(req.socket, { req, res });
    res.once('close', () => {
      if (current.get(req.socket)?.res === res) current.delete(req.socket);
    });
  });

  server.setTimeout(options.idleTimeoutMs, (socket: Socket) => {
    const exchange = current.get(socket);
    if (exchange === undefined) {
      // Between requests, or still sending headers (headersTimeoutMs answers those).
      socket.destroy();
      return;
    }
    const { req, res } = exchange;
    if (!req.complete) {
      logger.info({ method: req.method, url: req.url, idle_ms: options.idleTimeoutMs }, 'request timed out: no bytes from the client');
      refuse(socket, exchange, 'request_timeout', `no bytes received for ${options.idleTimeoutMs} ms; the request was cut off`);
      return;
    }
    // The request is in; the response is either still being worked on (leave it: the server's own
    // bounds apply) or stuck on a client that stopped reading (cut it).
    if (res.headersSent && res.writableNeedDrain) socket.destroy();
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = CLIENT_ERROR_CODES[err.code ?? ''] ?? 'malformed_request';
    const exchange = current.get(socket);
    logger.info({ code, err_code: err.code }, code === 'request_timeout' ? 'request timed out: not received in time' : 'unparsable request refused');
    const detail =
      code === 'request_timeout'
        ? `the request did not arrive within ${err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && exchange !== undefined ? options.requestTimeoutMs : headersTimeoutMs} ms; it was cut off`
        : code === 'headers_too_large'
          ? 'the request headers are too large'
          : 'the request is not valid HTTP/1.1';
    refuse(socket, exchange, code, detail);
  });
  return server;
}

/**
 * Answers `code` and closes the connection. Through the response when the app has not answered
 * yet, else straight on the socket (before the request line was even parsed).
 */
function refuse(socket: Socket, exchange: { req: IncomingMessage; res: ServerResponse } | undefined, code: ErrorCode, detail: string): void {
  const { status, title } = ERROR_CODES[code];
  const body = JSON.stringify({ type: problemType(code), title, status, detail, code } satisfies Problem);
  const res = exchange?.res;
  if (exchange !== undefined && res !== undefined && !res.headersSent && !socket.destroyed) {
    res.shouldKeepAlive = false;
    // Destroying the request (not just its socket) is what tells the app's body readers (busboy,
    // the JSON parser) that no more is coming: once a response has finished, Node no longer emits
    // `aborted` or `close` on the request when the socket goes.
    res.once('finish', () => exchange.req.destroy());
    res.writeHead(status, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
    return;
  }
  if (exchange === undefined && socket.writable && socket.bytesWritten === 0) {
    socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    socket.once('finish', () => socket.destroy());
    return;
  }
  socket.destroy();
}
