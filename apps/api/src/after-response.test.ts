import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { waitUntil } from '@offload/test-support';
import { createAfterResponse } from './after-response';

interface LogLine {
  level: number;
  msg: string;
  job?: string;
  err?: { message: string };
}

/** A real pino logger writing into an array. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('createAfterResponse', () => {
  it('runs a job after run() returns, not during it', async () => {
    const { logger } = capturingLogger();
    const after = createAfterResponse(logger);
    let ran = false;
    after.run('flag', () => {
      ran = true;
    });
    expect(ran).toBe(false);
    expect(after.pending).toBe(1);
    expect(await after.drain(5_000)).toBe(0);
    expect(ran).toBe(true);
  });

  it('isolates and logs a job that throws or rejects, and keeps running later jobs', async () => {
    const { logger, lines } = capturingLogger();
    const after = createAfterResponse(logger);
    const done: string[] = [];
    expect(() =>
      after.run('throws', () => {
        throw new Error('sync boom');
      }),
    ).not.toThrow();
    after.run('rejects', () => Promise.reject(new Error('async boom')));
    after.run('fine', () => {
      done.push('fine');
    });
    expect(await after.drain(5_000)).toBe(0);

    expect(done).toEqual(['fine']);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.job, l.err?.message]).sort()).toEqual([
      ['rejects', 'async boom'],
      ['throws', 'sync boom'],
    ]);
    expect(after.pending).toBe(0);
  });

  it('resolves drain at once with 0 when nothing runs', async () => {
    const after = createAfterResponse(capturingLogger().logger);
    expect(await after.drain(60_000)).toBe(0);
  });

  it('drain waits for a running job to finish', async () => {
    const after = createAfterResponse(capturingLogger().logger);
    const gate = deferred();
    let started = false;
    let finished = false;
    after.run('slow', async () => {
      started = true;
      await gate.promise;
      finished = true;
    });
    let drained = false;
    const draining = after.drain(30_000).then((left) => {
      drained = true;
      return left;
    });
    await waitUntil(() => started, { description: 'the job to start' });
    expect(drained).toBe(false);
    gate.resolve();
    expect(await draining).toBe(0);
    expect(finished).toBe(true);
  });

  it('drain stops at its deadline and reports the job still running', async () => {
    const after = createAfterResponse(capturingLogger().logger);
    const gate = deferred();
    after.run('stuck', () => gate.promise);
    try {
      expect(await after.drain(20)).toBe(1);
      expect(after.pending).toBe(1);
    } finally {
      gate.resolve();
    }
    expect(await after.drain(5_000)).toBe(0);
  });

  it('drain waits for every job, including one that started while it was draining', async () => {
    const after = createAfterResponse(capturingLogger().logger);
    const first = deferred();
    const second = deferred();
    after.run('first', () => first.promise);
    const draining = after.drain(30_000);
    after.run('second', () => second.promise);
    first.resolve();
    await waitUntil(() => after.pending === 1, { description: 'the first job to finish' });
    second.resolve();
    expect(await draining).toBe(0);
  });
});
