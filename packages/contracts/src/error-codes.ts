/**
 * Every error code a user can see, in a problem+json body or in a task record's `error.code`.
 * One table: the code, the HTTP status it answers with (for problems), and a one-line meaning
 * that the README's error table repeats (a test keeps the two in step).
 */
export const ERROR_CODES = {
  // HTTP problems
  malformed_json: { status: 400, title: 'Malformed JSON', retryable: false },
  malformed_multipart: { status: 400, title: 'Malformed multipart body', retryable: false },
  malformed_request: { status: 400, title: 'Malformed HTTP request', retryable: false },
  request_timeout: { status: 408, title: 'Request too slow', retryable: true },
  headers_too_large: { status: 431, title: 'Request headers too large', retryable: false },
  validation_failed: { status: 422, title: 'Invalid request', retryable: false },
  unknown_upload: { status: 422, title: 'Unknown upload key', retryable: false },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused with a different request', retryable: false },
  payload_too_large: { status: 413, title: 'Payload too large', retryable: false },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', retryable: false },
  unauthorized: { status: 401, title: 'Missing or unknown API key', retryable: false },
  forbidden: { status: 403, title: 'The API key lacks the scope this needs', retryable: false },
  not_found: { status: 404, title: 'Not found', retryable: false },
  task_not_finished: { status: 409, title: 'Task not finished', retryable: true },
  task_finished: { status: 409, title: 'The task already finished; it cannot be cancelled', retryable: false },
  rate_limited: { status: 429, title: "Too many requests for this API key's rate limit", retryable: true },
  tenant_queue_full: { status: 429, title: 'The tenant has the most tasks queued or running it may have', retryable: true },
  too_many_uploads: { status: 429, title: 'The API key has the most uploads in progress it may have', retryable: true },
  not_implemented: { status: 501, title: 'Not implemented', retryable: false },
  broker_unavailable: { status: 503, title: 'Task not accepted', retryable: true },
  store_unavailable: { status: 503, title: 'The record database is unavailable', retryable: true },
  too_many_streams: { status: 503, title: 'The API process has the most event streams open it may (EVENTS_MAX_STREAMS)', retryable: true },
  internal_error: { status: 500, title: 'Internal error', retryable: true },
  // Task record errors
  not_accepted: { status: 503, title: 'The broker did not confirm the task; it was never run', retryable: true },
  invalid_message: { status: 422, title: 'The message could not be decoded or failed validation', retryable: false },
  invalid_signature: { status: 422, title: 'The message is unsigned or its signature does not match (TASK_SIGNING_KEY)', retryable: false },
  missing_upload: { status: 422, title: 'An upload the task references does not exist', retryable: false },
  unsupported_image: { status: 415, title: 'The file is not an image format offload reads', retryable: false },
  corrupt_image: { status: 422, title: 'The image is truncated or corrupt', retryable: false },
  image_too_large: { status: 413, title: 'The image declares more pixels than the configured limit', retryable: false },
  invalid_dataset: { status: 422, title: 'The dataset could not be parsed', retryable: false },
  invalid_options: { status: 422, title: "The task's options do not fit its input", retryable: false },
  limit_exceeded: { status: 422, title: 'The dataset exceeds a configured limit', retryable: false },
  task_timeout: { status: 504, title: 'The task exceeded its time limit', retryable: true },
  attempts_exhausted: { status: 500, title: 'The task failed on every allowed attempt', retryable: false },
  worker_lost: { status: 500, title: 'The task was delivered too many times without finishing (it keeps killing workers)', retryable: false },
  dead_lettered: { status: 500, title: 'The broker dead-lettered the task', retryable: false },
  handler_failed: { status: 500, title: 'The handler failed', retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
