import type { Server } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { expect } from '@jest/globals';
import request, { type Response, type Test } from 'supertest';
import { DEFAULT_TENANT, ERROR_CODES, isErrorCode, type TaskRecord } from '@offload/contracts';
import { createHttpServer } from '../../src/http-server';
import { createApiHarness, type ApiHarness, type HarnessOptions } from '../harness';
import { expectProblem, testImage, type ProblemBody } from '../fixtures';

/** Where this repository lives: no answer may name a file under it. */
const REPO_ROOT = resolve(__dirname, '../../../..');

/** What came back on a raw connection. */
export interface RawAnswer {
  /** Undefined when the server closed the connection without answering. */
  status: number | undefined;
  headers: Readonly<Record<string, string>>;
  /** The body, parsed when it is JSON. */
  body: unknown;
  /** The raw body text. */
  text: string;
}

/**
 * The real app (a harness on the real broker with a temp DATA_DIR) behind the server main.ts runs,
 * listening on 127.0.0.1:0, with a known good task submitted before any hostile input arrives.
 */
export interface HostileApi {
  harness: ApiHarness;
  port: number;
  /** The app's log lines so far (JSON), to check that nothing a client sent was logged as a server error. */
  lines: string[];
  /**
   * Every supertest request goes through these two: the one place where credentials (a
   * `tasks:write` + `tasks:read` key) are added.
   */
  get(path: string): Test;
  post(path: string): Test;
  /**
   * Writes a request on a fresh connection, byte for byte (`head` gets `Host`, credentials and
   * `Connection: close` added after its request line), and collects the answer until the server
   * closes. `then` may cut the connection instead (returning true destroys it at once).
   */
  raw(head: string, body?: Buffer | string, options?: RawOptions): Promise<RawAnswer>;
  /**
   * Asserts that the process still serves: `/livez` and `/readyz` answer 200, the known good task
   * reads back as the same record, its upload holds the same bytes, no log line at error level
   * appeared and nothing reached `Object.prototype`.
   */
  aliveAndIntact(): Promise<void>;
  /** An upload key issued for a small PNG (the known good task's image). */
  imageKey: string;
  close(): Promise<void>;
}

export interface RawOptions {
  /** Destroys the connection right after the bytes were written, without waiting for an answer. */
  destroyAfterWrite?: boolean;
}

/**
 * The API with keys on, as it runs in production, under a rate limit no test reaches (the fuzz
 * tests send hundreds of requests a second); the other guards keep their defaults.
 */
export async function startHostileApi(options: HarnessOptions = {}): Promise<HostileApi> {
  const lines: string[] = options.logLines ?? [];
  const harness = await createApiHarness({ auth: 'keys', guards: { rateLimit: { rps: 100_000, burst: 100_000 } }, ...options, logLines: lines });
  const key = await harness.createKey({ tenant: DEFAULT_TENANT, scopes: ['tasks:write', 'tasks:read'] });
  const credentials: Readonly<Record<string, string>> = { Authorization: `Bearer ${key}` };
  const server: Server = createHttpServer(harness.app, { requestTimeoutMs: 30_000, idleTimeoutMs: 15_000 }, harness.logger);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  const withCredentials = (test: Test): Test => test.set({ ...credentials });
  const get = (path: string) => withCredentials(request(server).get(path));
  const post = (path: string) => withCredentials(request(server).post(path));

  const png = await testImage('png');
  const upload = await post('/v1/uploads').attach('file', png, 'known-good.png').expect(201);
  const imageKey = (upload.body as { key: string }).key;
  const submitted = await post('/v1/tasks').send({ task_type: 'watermark', content: { image: imageKey, watermark: { text: 'known good' } } }).expect(202);
  const knownId = (submitted.body as { id: string }).id;
  const known = (await get(`/v1/tasks/${knownId}`).expect(200)).body as TaskRecord;

  return {
    harness,
    port,
    lines,
    get,
    post,
    imageKey,
    raw: (head, body, rawOptions) => rawExchange(port, credentials, head, body ?? '', rawOptions ?? {}),
    async aliveAndIntact() {
      await get('/livez').expect(200);
      expect((await get('/readyz')).status).toBe(200);
      expect((await get(`/v1/tasks/${knownId}`).expect(200)).body).toEqual(known);
      expect(await harness.storage.blobs.read(imageKey)).toEqual(png);
      expect(errorLines(lines)).toEqual([]);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      expect(Reflect.get({}, 'polluted')).toBeUndefined();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await harness.close();
    },
  };
}

/** Log lines at error level or above. */
function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    const level: unknown = (JSON.parse(line) as { level?: unknown }).level;
    return level === 'error' || level === 'fatal' || (typeof level === 'number' && level >= 50);
  });
}

/**
 * Asserts the precise problem a hostile input must get: this status and code, problem+json, a
 * code the contracts know, and a detail that names no server path and carries no stack trace.
 */
export function expectRefused(res: Response | RawAnswer, status: number, code: string): ProblemBody {
  const body = 'statusCode' in res ? expectProblem(res, status, code) : expectRawProblem(res, status, code);
  expect(isErrorCode(body.code) && ERROR_CODES[body.code].status === status).toBe(true);
  expectNoServerPath(body.detail);
  for (const error of body.errors ?? []) expectNoServerPath(error.message);
  return body;
}

function expectRawProblem(answer: RawAnswer, status: number, code: string): ProblemBody {
  const body = answer.body as Partial<ProblemBody>;
  expect({ status: answer.status, code: body.code }).toEqual({ status, code });
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  return body as ProblemBody;
}

function expectNoServerPath(text: string): void {
  expect(text).not.toContain(REPO_ROOT);
  expect(text).not.toMatch(/node_modules|\/offload-api[^/]*\/|\n\s+at /);
}

function rawExchange(
  port: number,
  credentials: Readonly<Record<string, string>>,
  head: string,
  body: Buffer | string,
  options: RawOptions,
): Promise<RawAnswer> {
  const [requestLine = '', ...rest] = head.split('\r\n');
  const extra = Object.entries(credentials).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const headers = rest.filter((line) => line !== '').map((line) => `${line}\r\n`).join('');
  const bytes = Buffer.concat([Buffer.from(`${requestLine}\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n${headers}\r\n`, 'latin1'), Buffer.from(body)]);
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes, () => {
        if (options.destroyAfterWrite === true) socket.destroy();
      });
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it closes while we still write; what it said counts.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') fail(err);
    });
    socket.on('close', () => done(parseAnswer(Buffer.concat(chunks).toString('utf8'))));
  });
}

function parseAnswer(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const rawBody = split === -1 ? '' : text.slice(split + 4);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const chunked = headers['transfer-encoding'] === 'chunked';
  const bodyText = chunked ? unchunk(rawBody) : rawBody;
  let body: unknown = bodyText;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // not JSON: keep the text
  }
  return { status: status === undefined ? undefined : Number(status), headers, body, text: bodyText };
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = eol === -1 ? 0 : parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** One part of a multipart body built by hand, so it can be wrong in exactly one way. */
export interface Part {
  /** The whole Content-Disposition value; default `form-data; name="<name>"` plus the filename. */
  disposition?: string;
  name?: string;
  filename?: string;
  contentType?: string;
  body: Buffer | string;
}

export const BOUNDARY = 'hostile-3c1f9a';

/** A multipart/form-data body of `parts`, closed unless `close` is false. Header bytes are UTF-8. */
export function multipart(parts: readonly Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
    const disposition = part.disposition ?? `form-data; name="${part.name ?? ''}"${filename}`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'utf8'), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A valid 1×1 PNG, available when test tables are built (before any `beforeAll`). */
export const SMALL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
