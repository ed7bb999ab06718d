import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now, outside `avoid` (inclusive). */
export async function freePort(avoid?: { min: number; max: number }): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (avoid === undefined || port < avoid.min || port > avoid.max) return port;
  }
}
