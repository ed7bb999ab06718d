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
  LIMIT_PART_COUNT: 'payload_too_large',
  LIMIT_FILE_COUNT: 'validation_failed',
  LIMIT_FIELD_KEY: 'validation_failed',
  LIMIT_FIELD_VALUE: 'validation_failed',
  LIMIT_FIELD_COUNT: 'validation_failed',
  LIMIT_UNEXPECTED_FILE: 'validation_failed',
  MISSING_FIELD_NAME: 'validation_failed',
};

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
      const detail = err.code === 'LIMIT_UNEXPECTED_FILE' ? `unexpected file field ${JSON.stringify(field)}` : err.message;
      const errors = code === 'validation_failed' && field !== '' ? [{ path: field, message: detail, code: err.code.toLowerCase() }] : undefined;
      sendProblem(res, code, detail, errors);
      return;
    }
    const type: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'type') : undefined;
    if (typeof type === 'string' && type in BODY_PARSER_CODES) {
      const code = BODY_PARSER_CODES[type] ?? 'malformed_json';
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
    req.log.error({ err }, 'unhandled error');
    sendProblem(res, 'internal_error', 'an internal error occurred; it was logged');
  };
}
