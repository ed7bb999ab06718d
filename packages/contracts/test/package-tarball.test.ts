import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { renderJsonSchemaFiles } from '../scripts/json-schema-files';

/**
 * What another service gets: the packed tarball, installed from the registry's point of view into
 * an empty project outside the monorepo (no workspace link, no hoisted node_modules to lean on),
 * then imported from ES modules and from CommonJS, and type-checked from .mts and .cts files.
 * It packs the dist/ that `npm run build` made (turbo's test task builds first): packing runs no
 * script, because `prepack` cleans dist/, which other processes in this tree may be reading.
 */
const run = promisify(execFile);
const PACKAGE_DIR = join(__dirname, '..');
const TSC = require.resolve('typescript/bin/tsc');

// npm passes its config to scripts as npm_* variables (the workspace root among them); the
// consumer's npm must see none of it, as if a stranger typed the command.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

async function sh(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env: cleanEnv, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    // execFile's error names the command; what it printed says why.
    const output = (key: string): string => String((typeof err === 'object' && err !== null && Reflect.get(err, key)) || '');
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${output('stdout')}${output('stderr')}`, { cause: err });
  }
}

/** Fails with the command to run when src/ changed after the last build. */
async function assertBuilt(): Promise<void> {
  const newest = async (dir: string): Promise<number> => {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const times = await Promise.all(
      entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')).map(async (e) => (await stat(join(e.parentPath, e.name))).mtimeMs),
    );
    return Math.max(0, ...times);
  };
  const built = await Promise.all(['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts'].map((f) => stat(join(PACKAGE_DIR, 'dist', f)).then((s) => s.mtimeMs, () => 0)));
  if (Math.min(...built) < (await newest(join(PACKAGE_DIR, 'src')))) {
    throw new Error('dist/ is missing or older than src/: run `npm run build -w @offload/contracts` (or `npm test`, which builds first)');
  }
}

const ESM_CONSUMER = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as contracts from '@offload/contracts';
import { buildTopology, decodeTaskPayload, encodeTaskPayload, newTaskPayload, taskInputSchema, problemSchema } from '@offload/contracts';

const input = taskInputSchema.parse({ task_type: 'watermark', content: { image: 'up_${'a'.repeat(32)}', watermark: { text: 'hi' } } });
const body = encodeTaskPayload(newTaskPayload(input, '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11', '2026-11-24T10:00:00.000Z'));
const decoded = decodeTaskPayload(new TextEncoder().encode(body));
const refused = decodeTaskPayload('{"v":1,"task_type":"watermark"}');
const schemaPath = fileURLToPath(import.meta.resolve('@offload/contracts/task-payload.schema.json'));
const require = createRequire(import.meta.url);
console.log(JSON.stringify({
  names: Object.keys(contracts).sort(),
  taskType: decoded.ok ? decoded.payload.task_type : decoded.message,
  opacity: decoded.ok ? decoded.payload.content.watermark.opacity : null,
  refused: refused.ok ? null : refused.reason,
  problemCodeChecked: !problemSchema.safeParse({ type: '/p', title: 't', status: 400, detail: 'd', code: 'nope' }).success,
  schemaTitle: JSON.parse(readFileSync(schemaPath, 'utf8')).title,
  schemaPath,
  workQueue: buildTopology().workQueues.watermark,
  sameInstanceAsRequire: require('@offload/contracts').taskPayloadSchema === contracts.taskPayloadSchema,
  contractsPath: require.resolve('@offload/contracts'),
  zodPath: require.resolve('zod'),
}));
`;

const CJS_CONSUMER = `
const { readFileSync } = require('node:fs');
const contracts = require('@offload/contracts');
const { buildTopology, decodeTaskPayload, encodeTaskPayload, newTaskPayload, taskInputSchema, problemSchema } = contracts;

const input = taskInputSchema.parse({ task_type: 'watermark', content: { image: 'up_${'a'.repeat(32)}', watermark: { text: 'hi' } } });
const body = encodeTaskPayload(newTaskPayload(input, '0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11', '2026-11-24T10:00:00.000Z'));
const decoded = decodeTaskPayload(Buffer.from(body));
const refused = decodeTaskPayload('{"v":1,"task_type":"watermark"}');
const schemaPath = require.resolve('@offload/contracts/task-payload.schema.json');
console.log(JSON.stringify({
  names: Object.keys(contracts).sort(),
  taskType: decoded.ok ? decoded.payload.task_type : decoded.message,
  opacity: decoded.ok ? decoded.payload.content.watermark.opacity : null,
  refused: refused.ok ? null : refused.reason,
  problemCodeChecked: !problemSchema.safeParse({ type: '/p', title: 't', status: 400, detail: 'd', code: 'nope' }).success,
  schemaTitle: JSON.parse(readFileSync(schemaPath, 'utf8')).title,
  schemaPath,
  workQueue: buildTopology().workQueues.watermark,
  contractsPath: require.resolve('@offload/contracts'),
  zodPath: require.resolve('zod'),
}));
`;

/**
 * Compiled without @types/node and with skipLibCheck off: the package's declarations must stand
 * alone (zod's own need a `URL`, hence the `dom` lib).
 */
const TYPED_CONSUMER = `
import { decodeTaskPayload, taskRecordSchema, type ErrorCode, type Problem, type ResultOf, type TaskRecordOf } from '@offload/contracts';

const decoded = decodeTaskPayload('{}');
export const taskType: 'watermark' | 'thumbnail' | 'analysis' | undefined = decoded.ok ? decoded.payload.task_type : undefined;
const record = taskRecordSchema.parse({}) as TaskRecordOf<'thumbnail'>;
export const widths: number[] | undefined = record.result?.outputs.map((rendition) => rendition.width);
export const result: ResultOf<'watermark'> = { output_key: 'o', content_type: 'image/png', format: 'gif', width: 1, height: 1, pages: 2, bytes: 3 };
export const code: ErrorCode = 'not_found';
// @ts-expect-error problem.code is one of the known codes
export const wrong: Problem['code'] = 'teapot';
`;

describe('the packed @offload/contracts', () => {
  let packDir: string;
  let projectDir: string;
  let packedFiles: string[];
  let tarball: string;

  beforeAll(async () => {
    await assertBuilt();
    packDir = await mkdtemp(join(tmpdir(), 'offload-contracts-pack-'));
    projectDir = await mkdtemp(join(tmpdir(), 'offload-contracts-consumer-'));
    const [packed] = JSON.parse(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], PACKAGE_DIR)) as { filename: string; files: { path: string }[] }[];
    if (packed === undefined) throw new Error('npm pack reported no tarball');
    tarball = join(packDir, packed.filename);
    packedFiles = packed.files.map((f) => f.path);

    await writeFile(join(projectDir, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '0.0.0', private: true }, null, 2)}\n`);
    await sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], projectDir);
    await writeFile(join(projectDir, 'consumer.mjs'), ESM_CONSUMER);
    await writeFile(join(projectDir, 'consumer.cjs'), CJS_CONSUMER);
    await writeFile(join(projectDir, 'consumer-types.mts'), TYPED_CONSUMER);
    await writeFile(join(projectDir, 'consumer-types.cts'), TYPED_CONSUMER);
    const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false };
    await writeFile(join(projectDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer-types.mts', 'consumer-types.cts'] }));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([packDir, projectDir].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('ships the builds, the declarations, every JSON Schema and the docs, and no tests', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.mjs',
        'dist/index.d.ts',
        'dist/index.d.mts',
        'src/index.ts',
        ...[...renderJsonSchemaFiles().keys()].map((f) => `schemas/${f}`),
      ]),
    );
    expect(packedFiles.filter((f) => /\.test\.|__snapshots__|^test\/|^scripts\/|tsconfig/.test(f))).toEqual([]);
  });

  it.each([
    ['an ES module imports', 'consumer.mjs'],
    ['a CommonJS module requires', 'consumer.cjs'],
  ])('builds, encodes and decodes a message and reads a JSON Schema when %s it', async (_how, file) => {
    const out = JSON.parse(await sh(process.execPath, [file], projectDir)) as Record<string, unknown>;

    expect(out).toMatchObject({ taskType: 'watermark', opacity: 0.5, refused: 'invalid', problemCodeChecked: true, schemaTitle: 'TaskPayload', workQueue: 'offload.task.watermark' });
    // Everything resolves inside the consumer's own node_modules, zod included (a peer npm installs).
    for (const key of ['schemaPath', 'contractsPath', 'zodPath']) {
      expect(relative(projectDir, String(out[key]))).toMatch(/^node_modules\//);
    }
    expect(out.schemaPath).toMatch(/node_modules\/@offload\/contracts\/schemas\/task-payload\.schema\.json$/);
  });

  it('exports the same names to ES modules and CommonJS, from one instance', async () => {
    const esm = JSON.parse(await sh(process.execPath, ['consumer.mjs'], projectDir)) as { names: string[]; sameInstanceAsRequire: boolean };
    const cjs = JSON.parse(await sh(process.execPath, ['consumer.cjs'], projectDir)) as { names: string[] };

    expect(esm.names).toEqual(cjs.names);
    expect(esm.names).toEqual(expect.arrayContaining(['taskPayloadSchema', 'buildTopology', 'decodeTaskPayload', 'taskResultJsonSchema', 'OffloadError']));
    expect(esm.sameInstanceAsRequire).toBe(true);
  });

  it('type-checks from .mts and .cts with nodenext resolution and no @types/node', async () => {
    await expect(sh(process.execPath, [TSC, '-p', 'tsconfig.json'], projectDir)).resolves.toBe('');
  });
});
