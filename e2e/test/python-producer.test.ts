import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { buildTopology, taskRecordSchema } from '@offload/contracts';
import { openStorage } from '@offload/storage';
import { TEST_AMQP_URL, deleteTestTopology, rawConnection, tempDataDir, uniquePrefix, waitUntil } from '@offload/test-support';
import { API_ENTRY, WORKER_ENTRY, freePort, startNode, waitForHttp, type RunningProcess } from './processes';

// The README's "Submit from another service", run as written: the scripts in e2e/python use
// Debian's Python and its python3-pika and python3-jsonschema (the pyenv python3 first on some
// PATHs cannot see Debian's packages).
const PYTHON = '/usr/bin/python3';
const SCRIPTS = resolve(__dirname, '../python');
const UPLOAD_KEY = /^up_[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPython(script: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<PythonRun> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, [join(SCRIPTS, script), ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a script that must succeed and returns its stdout, trimmed; a failure carries its stderr. */
async function python(script: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const run = await runPython(script, args, options);
  if (run.code !== 0) throw new Error(`${script} exited with ${String(run.code)}:\n${run.stderr}${run.stdout}`);
  return run.stdout.trim();
}

/** Every task id in the records (SQLite in DATA_DIR). */
async function recordIds(dataDir: string): Promise<string[]> {
  const storage = await openStorage({ dataDir });
  try {
    return (await storage.queries.list({ limit: 200 })).tasks.map((t) => t.id).sort();
  } finally {
    await storage.close();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

async function sampleJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Waits for the process's /readyz; if it exits first, fails with what it printed. */
async function ready(proc: RunningProcess, url: string): Promise<void> {
  const exited = proc.exited.then(({ code, signal }) => {
    throw new Error(`${url}: the process exited (${String(code ?? signal)}) before it was ready:\n${proc.stderr()}${proc.output()}`);
  });
  await Promise.race([waitForHttp(url), exited]);
}

/** Mean absolute difference per channel between the same region of two same-sized images. */
async function regionDiff(a: Buffer, b: Buffer, region: { left: number; top: number; width: number; height: number }): Promise<number> {
  const [ra, rb] = await Promise.all([a, b].map((img) => sharp(img).extract(region).removeAlpha().raw().toBuffer()));
  if (!ra || !rb) throw new Error('extract failed');
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs((ra[i] ?? 0) - (rb[i] ?? 0));
  return sum / ra.length;
}

describe('a Python producer publishing straight to RabbitMQ', () => {
  const prefix = uniquePrefix();
  const topology = buildTopology(prefix);
  const brokerEnv = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix };
  let dataDir: { path: string; remove: () => Promise<void> };
  let files: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;
  let input: Buffer;
  let photo: string;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-python');
    files = await tempDataDir('offload-e2e-python-files');
    input = await sampleJpeg();
    photo = join(files.path, 'photo.jpg');
    await writeFile(photo, input);
    const [port, workerPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    const env = { ...brokerEnv, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: String(workerPort) });
    await Promise.all([ready(api, `${base}/readyz`), ready(worker, `http://127.0.0.1:${workerPort}/readyz`)]);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
    await files.remove();
  });

  it('runs a watermark task uploaded with urllib and published with pika (confirms, mandatory), and GET /v1/tasks shows its record', async () => {
    const key = await python('upload.py', [base, photo]);
    expect(key).toMatch(UPLOAD_KEY);

    const content = { image: key, watermark: { text: 'offload', position: 'bottom-right', opacity: 0.9, size: 0.3 } };
    const id = await python('publish_task.py', ['watermark', JSON.stringify(content)], { env: brokerEnv });
    expect(id).toMatch(UUID);

    // The worker creates the record of a task it did not see submitted when it takes the message.
    const finished = await waitUntil(
      async () => {
        const res = await fetch(`${base}/v1/tasks/${id}`);
        if (res.status === 404) return undefined;
        const record = taskRecordSchema.parse(await res.json());
        return record.status === 'succeeded' || record.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 30_000, description: `task ${id} to finish` },
    );
    expect(finished).toMatchObject({ id, task_type: 'watermark', status: 'succeeded', attempts: 1 });

    const result = await fetch(`${base}/v1/tasks/${id}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/jpeg');
    const output = Buffer.from(await result.arrayBuffer());
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height]).toEqual([800, 600]);
    const corner = { width: 300, height: 200 };
    expect(await regionDiff(input, output, { ...corner, left: 500, top: 400 })).toBeGreaterThan(5);
    expect(await regionDiff(input, output, { ...corner, left: 0, top: 0 })).toBeLessThan(2);
  });

  it('raises UnroutableError in pika when no queue takes the routing key (mandatory with confirms)', async () => {
    const run = await runPython('publish_task.py', ['no-such-type', '{}'], { env: brokerEnv });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('UnroutableError');
  });

  it('dead-letters a guessed message (no id, no v, a file path) as invalid_message naming each wrong field, and runs nothing', async () => {
    const blobsBefore = await listFiles(join(dataDir.path, 'blobs'));
    const recordsBefore = await recordIds(dataDir.path);

    // The path names a real JPEG on this machine: the worker still must not open it.
    await python('publish_guess.py', [photo], { env: brokerEnv });

    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const dead = await waitUntil(() => channel.get(topology.deadLetterQueue, { noAck: true }), { description: 'the dead letter' });
      const headers = dead.properties.headers ?? {};
      expect(headers['x-offload-reason']).toBe('invalid_message');
      const error = headers['x-offload-error'] as unknown;
      expect(typeof error).toBe('string');
      expect(error).toMatch(/^invalid message: /);
      expect(error).toMatch(/(^|; |: )v: /);
      expect(error).toMatch(/; id: /);
      expect(error).toMatch(/; content\.image: must be an upload key issued by POST \/v1\/uploads/);
      // The dead letter keeps the body as it was published, for whoever fixes the producer.
      const body = JSON.parse(dead.content.toString()) as { content: { image: string } };
      expect(body.content.image).toBe(photo);

      expect((await channel.checkQueue(topology.workQueues.watermark)).messageCount).toBe(0);
      await channel.close();
    } finally {
      await connection.close();
    }
    // Nothing ran: no record (the message had no id), no file read into storage, no output.
    expect(await recordIds(dataDir.path)).toEqual(recordsBefore);
    expect(await listFiles(join(dataDir.path, 'blobs'))).toEqual(blobsBefore);
  });
});

describe('a message the API built, against the shipped JSON Schema', () => {
  const prefix = uniquePrefix();
  const topology = buildTopology(prefix);
  // Through the package's exports, wherever the build puts the file.
  const schemaPath = require.resolve('@offload/contracts/task-payload.schema.json');
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let base: string;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-python-schema');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // No worker: submitted tasks wait on their queues, to be read off them.
    api = startNode(API_ENTRY, { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    await ready(api, `${base}/readyz`);
  });

  afterAll(async () => {
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  async function submit(taskType: string, content: unknown): Promise<string> {
    const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_type: taskType, content }) });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  }

  it('validates the watermark and analysis messages the API publishes with Draft202012Validator, properties as the README says, and rejects a guessed shape', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await sampleJpeg())], { type: 'image/jpeg' }), 'photo.jpg');
    const uploaded = await fetch(`${base}/v1/uploads`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    const { key } = (await uploaded.json()) as { key: string };
    const ids = {
      watermark: await submit('watermark', { image: key, watermark: { text: 'offload' } }),
      analysis: await submit('analysis', { rows: [{ city: 'Oslo', temp: 3.5 }] }),
    };

    const connection = await rawConnection();
    const bodies: Record<string, unknown> = {};
    try {
      const channel = await connection.createChannel();
      for (const [taskType, id] of Object.entries(ids)) {
        const queue = topology.workQueues[taskType as keyof typeof ids];
        const message = await waitUntil(() => channel.get(queue, { noAck: true }), { description: `the ${taskType} message` });
        expect(message.fields).toMatchObject({ exchange: topology.taskExchange, routingKey: taskType });
        expect(message.properties).toMatchObject({ messageId: id, type: taskType, contentType: 'application/json', deliveryMode: 2 });
        expect(typeof message.properties.timestamp).toBe('number');
        const body = message.content.toString();
        bodies[taskType] = JSON.parse(body);
        expect(bodies[taskType]).toMatchObject({ v: 1, id, task_type: taskType, retry_count: 0 });
        await expect(python('validate_task.py', [schemaPath], { input: body })).resolves.toBe('valid');
      }
      await channel.close();
    } finally {
      await connection.close();
    }

    // The same message as a producer might guess it: no v, no id, the image as a path.
    const { v: _v, id: _id, ...guess } = bodies.watermark as { v: number; id: string; content: { image: string } };
    const invalid = await runPython('validate_task.py', [schemaPath], { input: JSON.stringify({ ...guess, content: { ...guess.content, image: '/srv/photos/cat.jpg' } }) });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout.trim().split('\n').sort()).toEqual([
      "(message): 'id' is a required property",
      "(message): 'v' is a required property",
      "content.image: '/srv/photos/cat.jpg' does not match '^up_[0-9a-f]{32}$'",
    ]);
  });
});

describe('a fleet that signs its messages (TASK_SIGNING_KEY)', () => {
  const prefix = uniquePrefix();
  const topology = buildTopology(prefix);
  const brokerEnv = { AMQP_URL: TEST_AMQP_URL, QUEUE_PREFIX: prefix };
  const key = 'e2e-signing-key-0123456789abcdefghijklmnop';
  const rows = [
    { city: 'Oslo', temp: 3.5 },
    { city: 'Rome', temp: 17 },
  ];
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: RunningProcess;
  let worker: RunningProcess;
  let base: string;

  beforeAll(async () => {
    dataDir = await tempDataDir('offload-e2e-signed');
    const [port, workerPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    const env = { ...brokerEnv, DATA_DIR: dataDir.path, LOG_LEVEL: 'warn', TASK_SIGNING_KEY: key };
    api = startNode(API_ENTRY, { ...env, PORT: String(port), HOST: '127.0.0.1', AUTH: 'off' });
    worker = startNode(WORKER_ENTRY, { ...env, WORKER_HTTP_PORT: String(workerPort) });
    await Promise.all([ready(api, `${base}/readyz`), ready(worker, `http://127.0.0.1:${workerPort}/readyz`)]);
  });

  afterAll(async () => {
    await worker.stop();
    await api.stop();
    await deleteTestTopology(prefix);
    await dataDir.remove();
  });

  /** The record once the task finished (the worker writes one for a task the API never saw). */
  function finished(id: string) {
    return waitUntil(
      async () => {
        const res = await fetch(`${base}/v1/tasks/${id}`);
        if (res.status === 404) return undefined;
        const record = taskRecordSchema.parse(await res.json());
        return record.status === 'succeeded' || record.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 30_000, description: `task ${id} to finish` },
    );
  }

  it('runs a task submitted to the API, which signed it', async () => {
    const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_type: 'analysis', content: { rows } }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await finished(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('runs a task a Python producer signed with hmac, and dead-letters one it published unsigned, unrun', async () => {
    const content = JSON.stringify({ rows });
    const signed = await python('publish_task.py', ['analysis', content], { env: { ...brokerEnv, TASK_SIGNING_KEY: key } });
    expect(await finished(signed)).toMatchObject({ status: 'succeeded', attempts: 1 });

    const unsigned = await python('publish_task.py', ['analysis', content], { env: brokerEnv });
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      const dead = await waitUntil(() => channel.get(topology.deadLetterQueue, { noAck: true }), { description: 'the dead letter' });
      expect(dead.properties.messageId).toBe(unsigned);
      expect(dead.properties.headers?.['x-offload-reason']).toBe('invalid_signature');
      await channel.close();
    } finally {
      await connection.close();
    }
    // It never ran: no record (the producer wrote none, and the worker did not start one).
    expect((await fetch(`${base}/v1/tasks/${unsigned}`)).status).toBe(404);
  });
});
