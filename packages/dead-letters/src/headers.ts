/**
 * Headers every dead letter offload writes carries (the broker adds `x-death` to its own): the
 * worker writes them, `npm run dlq` and the API's dead-letter routes read them.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-offload-reason',
  /** In the client's terms: what the task record says. */
  error: 'x-offload-error',
  /** For operators, when it says more than `error`: the error's own text (which may name paths). */
  errorDetail: 'x-offload-error-detail',
  attempts: 'x-offload-attempts',
  taskType: 'x-offload-task-type',
  sourceQueue: 'x-offload-source-queue',
  at: 'x-offload-dead-lettered-at',
} as const;
