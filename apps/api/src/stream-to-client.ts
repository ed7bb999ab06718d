import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Logger } from '@offload/telemetry';

/**
 * Streams a file to the client through `pipeline`, so whichever side stops first closes the
 * other: a client that goes away closes the file at once (not at garbage collection), and a file
 * that fails to read cuts the response. Never rejects: the status is sent, so all that is left to
 * say about a failure goes to the log.
 */
export async function streamToClient(source: Readable, res: Response, log: Logger): Promise<void> {
  try {
    await pipeline(source, res);
  } catch (err) {
    if (res.req.socket.destroyed && !res.writableFinished && isPrematureClose(err)) {
      log.info('the client went away during a download');
      return;
    }
    log.error({ err }, 'a download failed while streaming');
  }
}

function isPrematureClose(err: unknown): boolean {
  return typeof err === 'object' && err !== null && Reflect.get(err, 'code') === 'ERR_STREAM_PREMATURE_CLOSE';
}
