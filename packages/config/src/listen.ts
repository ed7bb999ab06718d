import type { Server } from 'node:net';

/** A port from the configuration cannot be listened on; the message names the variable to change. */
export class ListenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

export interface ListenTarget {
  port: number;
  host?: string | undefined;
  /** The environment variable that set `port` (`PORT`, `WORKER_HTTP_PORT`). */
  variable: string;
}

/**
 * Listens, or rejects with a ListenError whose one-line message says what to change: the usual
 * start-up failures (port in use, a privileged port, an address not on this machine) are
 * configuration faults, not crashes.
 */
export function listen(server: Server, target: ListenTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = `${target.host ?? '*'}:${target.port}`;
      const why: Record<string, string> = {
        EADDRINUSE: `port ${target.port} is already in use by another process; set ${target.variable} to a free port`,
        EACCES: `no permission to listen on ${where} (ports below 1024 need privileges); set ${target.variable} to a port above 1023`,
        EADDRNOTAVAIL: `the address ${target.host ?? ''} is not on this machine; change the listening address or ${target.variable}`,
      };
      reject(new ListenError(why[err.code ?? ''] ?? `cannot listen on ${where}: ${err.message}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(target.port, target.host);
  });
}
