import type { Server } from 'node:http';

/**
 * Stops accepting connections and waits for in-flight requests to finish, up to `graceMs`;
 * then cuts whatever is left. Idle keep-alive sockets are closed at once.
 */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
