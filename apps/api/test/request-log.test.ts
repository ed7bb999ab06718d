import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApiHarness, type ApiHarness } from './harness';

interface Line {
  level: string;
  msg: string;
  request_id?: string;
  task_id?: string;
  duration_ms?: number;
  req?: { method: string; url: string; headers?: Record<string, string> };
  res?: { status: number; headers?: Record<string, string> };
}

describe('the request log line', () => {
  const infoLines: string[] = [];
  const debugLines: string[] = [];
  let info: ApiHarness;
  let debug: ApiHarness;

  beforeAll(async () => {
    info = await createApiHarness({ logLines: infoLines });
    debug = await createApiHarness({ logLines: debugLines, logLevel: 'debug' });
  });

  afterAll(async () => {
    await Promise.all([info.close(), debug.close()]);
  });

  const requestLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as Line).filter((l) => l.req !== undefined);

  it('is one line with method, path, status, time and ids, without headers, at info', async () => {
    const accepted = await request(info.app)
      .post('/v1/tasks')
      .set('X-Request-Id', 'req-42')
      .set('Authorization', 'Bearer secret')
      .send({ task_type: 'analysis', content: { rows: [{ a: 1 }] } })
      .expect(202);
    const id = (accepted.body as { id: string }).id;
    const lines = requestLines(infoLines).filter((l) => l.request_id === 'req-42');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual(
      expect.objectContaining({ level: 'info', msg: 'POST /v1/tasks 202', request_id: 'req-42', task_id: id, req: { method: 'POST', url: '/v1/tasks' }, res: { status: 202 } }),
    );
    expect(typeof lines[0]?.duration_ms).toBe('number');
    expect(infoLines.join('\n')).not.toContain('secret');
  });

  it("logs a client's mistake at info, not as an error", async () => {
    await request(info.app).post('/v1/tasks').set('X-Request-Id', 'req-bad').send({}).expect(422);
    expect(requestLines(infoLines).filter((l) => l.request_id === 'req-bad').map((l) => [l.level, l.msg])).toEqual([['info', 'POST /v1/tasks 422']]);
  });

  it('adds the headers, credentials redacted, at debug', async () => {
    await request(debug.app).get('/v1/tasks/00000000-0000-4000-8000-000000000000').set('X-Request-Id', 'req-dbg').set('Authorization', 'Bearer secret').expect(404);
    const line = requestLines(debugLines).find((l) => l.request_id === 'req-dbg');
    expect(line?.req?.headers).toEqual(expect.objectContaining({ 'x-request-id': 'req-dbg', authorization: '[redacted]' }));
    expect(line?.task_id).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('leaves out probes', async () => {
    const before = infoLines.length;
    await request(info.app).get('/livez').expect(200);
    expect(requestLines(infoLines.slice(before))).toEqual([]);
  });
});
