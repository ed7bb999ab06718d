import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers on one path: its n-th request (0-based) gets answers[n], or the last one. */
export type Answer = { status: number; location?: string };

export interface WebhookReceiver {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  /** Answers `answers` in turn on `path`; every other path answers 404. */
  script(path: string, answers: readonly Answer[]): void;
  received(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that answers scripted statuses and keeps what it received. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const scripts = new Map<string, readonly Answer[]>();
  const seen: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const count = seen.filter((w) => w.path === path).length;
      seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answers = scripts.get(path) ?? [{ status: 404 }];
      const answer = answers[Math.min(count, answers.length - 1)] ?? { status: 404 };
      res.writeHead(answer.status, answer.location === undefined ? {} : { location: answer.location });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // listening on TCP: an AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    script: (path, answers) => scripts.set(path, answers),
    received: (path) => seen.filter((w) => w.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
