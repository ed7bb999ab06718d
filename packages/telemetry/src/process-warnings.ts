import type { Logger } from 'pino';

/**
 * Node's own warnings (deprecations, "closing file descriptor on garbage collection", …) become
 * log lines like every other, instead of free text on stderr: the process's output stays JSON.
 * Replaces Node's default printer, so each warning is reported once.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    logger.warn({ warning: { name: warning.name, code: warning.code, message: warning.message } }, 'node warning');
  });
}
