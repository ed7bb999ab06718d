import type { ErrorRequestHandler, Response } from 'express';
import { MulterError } from 'multer';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE, classifyError, problemType, type ErrorCode, type FieldProblem, type Problem } from '@offload/contracts';
import { ClientGoneError, HttpProblem } from './http-errors';

export function sendProblem(
  res: Response,
  code: ErrorCode,
  detail: string,
  errors?: readonly FieldProblem[],
  headers: Readonly<Record<string, string>> = {},
): void {
  const { status, title } = ERROR_CODES[code];
  const body: Problem = { type: problemType(code), title, status, detail, code, instance: res.req.originalUrl };
  if (errors && errors.length > 0) body.errors = [...errors];
  res.status(status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

const MULTER_CODES: Readonly<Record<string, ErrorCode>> = {
  LIMIT_FILE_SIZE: 'payload_too_large',
  // More parts, files or fields, or a longer field name, than multipart.ts reads: a body too large.
  LIMIT_PART_COUNT: 'payload_too_large',
  LIMIT_FILE_COUNT: 'payload_too_large',
  LIMIT_FIELD_COUNT: 'payload_too_large',
  LIMIT_FIELD_KEY: 'payload_too_large',
  LIMIT_FIELD_VALUE: 'validation_failed',
  LIMIT_UNEXPECTED_FILE: 'validation_failed',
  // A part without a name (or with name=""): RFC 7578 §4.2 requires one, so the body is malformed.
  MISSING_FIELD_NAME: 'malformed_multipart',
};

/**
 * Statuses that Express's own parts put on the errors they raise for a client's request: the
 * router's `URIError` for a path parameter that does not percent-decode, body-parser's for a body
 * that does not decompress under its Content-Encoding.
 */
const CLIENT_STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'malformed_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** What a 400 from Express's own parts was about, in the client's terms. */
function malformedRequestDetail(err: unknown): string {
  if (err instanceof URIError) return 'the URL has a percent-escape that does not decode to UTF-8';
  const code: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  if (typeof code === 'string' && code.startsWith('Z_')) return 'the body does not decompress under its Content-Encoding';
  return 'the request is malformed';
}

/**
 * body-parser's strict mode refuses JSON whose top level is not an object or array with the same
 * error as unparsable text. Valid JSON of the wrong shape is an invalid payload (422), as an array is.
 */
function wrongJsonShape(err: unknown): FieldProblem | undefined {
  const body: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'body') : undefined;
  if (typeof body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return { path: '', message: `Invalid input: expected object, received ${value === null ? 'null' : typeof value}`, code: 'invalid_type' };
}

/** body-parser's error `type`s, mapped to ours. */
const BODY_PARSER_CODES: Readonly<Record<string, ErrorCode>> = {
  'entity.parse.failed': 'malformed_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
  'request.aborted': 'malformed_json',
};

/** Seconds a client should wait before retrying a 503 that no route set a time for. */
const RETRY_AFTER_S = 5;

/** The one error middleware: every typed error becomes an RFC 9457 problem. */
export function problemHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // Nothing more can be said to this client: the answer is under way, was cut (a timeout), or
    // the client is gone. Passing the error on would have Express print it to stderr.
    if (res.headersSent || err instanceof ClientGoneError || req.socket.destroyed) {
      req.log.info({ err_message: err instanceof Error ? err.message : String(err) }, 'request ended without a (complete) answer');
      if (!res.writableEnded) res.destroy();
      return;
    }
    if (err instanceof HttpProblem) {
      sendProblem(res, err.code, err.message, err.fieldProblems, err.headers);
      return;
    }
    if (err instanceof MulterError) {
      const code = MULTER_CODES[err.code] ?? 'validation_failed';
      const field = err.field ?? '';
      const detail =
        err.code === 'LIMIT_UNEXPECTED_FILE'
          ? `unexpected file field ${JSON.stringify(field)}`
          : code === 'malformed_multipart'
            ? `the multipart body is malformed: ${err.message.toLowerCase()}`
            : err.message;
      const errors = code === 'validation_failed' && field !== '' ? [{ path: field, message: detail, code: err.code.toLowerCase() }] : undefined;
      sendProblem(res, code, detail, errors);
      return;
    }
    const type: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'type') : undefined;
    if (typeof type === 'string' && type in BODY_PARSER_CODES) {
      const code = BODY_PARSER_CODES[type] ?? 'malformed_json';
      const shape = type === 'entity.parse.failed' ? wrongJsonShape(err) : undefined;
      if (shape !== undefined) {
        sendProblem(res, 'validation_failed', 'the request failed validation: 1 problem(s)', [shape]);
        return;
      }
      sendProblem(res, code, code === 'malformed_json' ? 'the body is not valid JSON' : String(classifyError(err).message));
      return;
    }
    const { code, message } = classifyError(err);
    if (code !== undefined && code !== 'internal_error') {
      // A dependency that is away (the record database) is a 503 the client may retry.
      if (ERROR_CODES[code].status === 503) req.log.warn({ err }, 'a dependency is unavailable');
      sendProblem(res, code, message, undefined, ERROR_CODES[code].status === 503 ? { 'Retry-After': String(RETRY_AFTER_S) } : {});
      return;
    }
    const status: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'status') : undefined;
    const clientCode = typeof status === 'number' ? CLIENT_STATUS_CODES[status] : undefined;
    if (clientCode !== undefined) {
      req.log.info({ err_message: err instanceof Error ? err.message : String(err) }, 'request refused by a parser');
      sendProblem(res, clientCode, clientCode === 'malformed_request' ? malformedRequestDetail(err) : ERROR_CODES[clientCode].title);
      return;
    }
    req.log.error({ err }, 'unhandled error');
    sendProblem(res, 'internal_error', 'an internal error occurred; it was logged');
  };
}
