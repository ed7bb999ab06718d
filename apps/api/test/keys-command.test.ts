import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStorage } from '@offload/storage';
import { tempDataDir } from '@offload/test-support';

/** The built `npm run keys` entry: the test runs the command as a user does, in its own process. */
const CLI = resolve(__dirname, '../dist/keys/main.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runKeys(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx turbo run build)`);
});

describe('npm run keys', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDataDir('offload-keys-command');
    env = { DATA_DIR: dir.path };
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('creates a key, lists it without the key, revokes it and lists it revoked', async () => {
    const created = await runKeys(['create', '--name', 'ci-deploy', '--tenant', 'acme', '--scopes', 'tasks:write,tasks:read', '--rps', '5', '--burst', '10'], env);
    expect(created).toMatchObject({ code: 0, stderr: expect.stringContaining('created ci-deploy (tenant acme, scopes tasks:write,tasks:read)') });
    expect(created.stdout).toMatch(/^ofk_[A-Za-z0-9_-]{43}\n$/);
    const secret = created.stdout.trim();

    const storage = await openStorage({ dataDir: dir.path });
    try {
      expect(await storage.keys.authenticate(secret)).toMatchObject({ name: 'ci-deploy', tenant: 'acme', scopes: ['tasks:write', 'tasks:read'], rateRps: 5, rateBurst: 10 });
    } finally {
      await storage.close();
    }

    const listed = await runKeys(['list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^ci-deploy +acme +tasks:write,tasks:read +${secret.slice(0, 12)}… +\\S+ \\S+ +- +5/s, burst 10$`, 'm'));
    expect(listed.stdout).not.toContain(secret.slice(12));

    expect(await runKeys(['revoke', '--name', 'ci-deploy'], env)).toMatchObject({ code: 0, stdout: 'revoked ci-deploy\n' });
    const after = await runKeys(['list'], env);
    expect(after.stdout).toMatch(/^ci-deploy +acme +\S+ +\S+ +\S+ \S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +5\/s, burst 10$/m);
    expect(after.stdout).toContain('1 key, 0 live');
  });

  it('fails with one line and exit code 1 on a taken name or a key it cannot revoke', async () => {
    const args = ['create', '--name', 'twice', '--tenant', 'acme', '--scopes', 'admin'];
    expect((await runKeys(args, env)).code).toBe(0);
    expect(await runKeys(args, env)).toEqual({ code: 1, stdout: '', stderr: 'offload keys: an API key named "twice" exists already (revoked keys keep their names)\n' });
    expect(await runKeys(['revoke', '--name', 'nobody'], env)).toEqual({ code: 1, stdout: '', stderr: 'offload keys: no API key is named nobody\n' });
    expect((await runKeys(['revoke', '--name', 'twice'], env)).code).toBe(0);
    expect(await runKeys(['revoke', '--name', 'twice'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^offload keys: twice was revoked already, at \S+\n$/) });
  });

  it('exits 2 with the usage on a bad command line, touching no database', async () => {
    const result = await runKeys(['create', '--name', 'x', '--tenant', 'acme', '--scopes', 'root'], { DATA_DIR: resolve(dir.path, 'never-made') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^offload keys: --scopes: unknown scope "root"; give one or more of tasks:write, tasks:read, admin, comma-separated\n\nusage: npm run keys/);
    expect(existsSync(resolve(dir.path, 'never-made'))).toBe(false);
  });

  it('exits 1 with one line when the record database cannot be reached', async () => {
    const result = await runKeys(['list'], { DATA_DIR: dir.path, RECORD_STORE_URL: 'postgres://postgres@127.0.0.1:1/offload', BROKER_CONNECT_TIMEOUT_MS: '1000' });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^offload keys: cannot reach the record database at postgres:\/\/postgres@127\.0\.0\.1:1\/offload \(RECORD_STORE_URL\)[^\n]*\n$/);
  });
});
