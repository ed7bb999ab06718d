// Static checks of what ships the apps: the Dockerfiles, the compose file, the Kubernetes manifests
// and the GitHub workflow. No Docker and no broker; `npm run images:verify` is the dynamic check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describeEnv } from '@offload/config';
import { buildTopology, TASK_TYPES } from '@offload/contracts';
import { apiEnvSchema } from '@offload/api/testing';
import { workerEnvSchema } from '@offload/worker/testing';
import { dockerignoreMatcher, durationMs, parseDockerfile, summarizeStage, type Dockerfile, type Stage } from '../../scripts/dockerfile';
import { andSegments, classifyRunSegment } from '../../scripts/images-verify';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Role = 'api' | 'worker';
const SCHEMAS = { api: apiEnvSchema, worker: workerEnvSchema } as const;
const envDefaults = (role: Role) => new Map(describeEnv(SCHEMAS[role]).map((v) => [v.name, v.defaultValue]));
const envNames = (role: Role) => new Set(envDefaults(role).keys());
/** Variables an image may set that are not offload's own: the runtime's and the allocator's. */
const PLATFORM_ENV = new Set(['NODE_ENV', 'LD_PRELOAD', 'MALLOC_ARENA_MAX', 'MALLOC_CONF', 'TURBO_TELEMETRY_DISABLED']);

/** A variable's value where it is set, else its schema default, in ms. */
function graceMs(role: Role, name: string, env: Readonly<Record<string, unknown>>): number {
  const value = env[name] ?? envDefaults(role).get(name);
  if (value === undefined) throw new Error(`${name} has no value and no default`);
  return Number(value);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

interface AppImage {
  role: Role;
  pkg: string;
  dockerfile: string;
  appDir: string;
}
const IMAGES: AppImage[] = [
  { role: 'api', pkg: '@offload/api', dockerfile: 'docker/api.Dockerfile', appDir: 'apps/api' },
  { role: 'worker', pkg: '@offload/worker', dockerfile: 'docker/worker.Dockerfile', appDir: 'apps/worker' },
];

/** name → workspace dir, from the root package.json's workspace globs (`packages/*`, `e2e`). */
function workspaces(): Map<string, string> {
  const globs = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  const dirs = globs.flatMap((g) =>
    g.endsWith('/*') ? readdirSync(join(ROOT, g.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${g.slice(0, -2)}/${d.name}`) : [g],
  );
  const map = new Map<string, string>();
  for (const dir of dirs) {
    if (existsSync(join(ROOT, dir, 'package.json'))) map.set((JSON.parse(read(`${dir}/package.json`)) as { name: string }).name, dir);
  }
  return map;
}

/** The workspace dirs an app runs: itself and its production dependencies' workspaces, transitively. */
function runtimeWorkspaces(pkg: string): Set<string> {
  const all = workspaces();
  const seen = new Set<string>();
  const visit = (name: string) => {
    const dir = all.get(name);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const deps = (JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) visit(dep);
  };
  visit(pkg);
  return seen;
}

function stageNamed(file: Dockerfile, name: string): Stage {
  const stage = file.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
}

/** The `turbo prune` output directory of the stage that runs it (default `out`, in its WORKDIR). */
function pruneOutDir(stage: Stage): string {
  const run = stage.instructions.find((i) => i.keyword === 'RUN' && /\bturbo prune\b/.test(i.args));
  if (!run) throw new Error(`stage ${stage.name} runs no turbo prune`);
  const outDir = /--out-dir[= ](\S+)/.exec(run.args)?.[1] ?? 'out';
  return posix.resolve(summarizeStage(stage).workdir, outDir);
}

describe.each(IMAGES)('$dockerfile', ({ role, pkg, dockerfile, appDir }) => {
  const file = parseDockerfile(read(dockerfile));
  const final = file.stages.at(-1) as Stage;
  const runtime = summarizeStage(final);
  const rootPkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };

  let pruned: string;
  beforeAll(() => {
    // What `turbo prune <app> --docker` makes of this repository, as the prune stage runs it.
    pruned = mkdtempSync(join(tmpdir(), 'offload-prune-'));
    const result = spawnSync(join(ROOT, 'node_modules/.bin/turbo'), ['prune', pkg, '--docker', '--out-dir', pruned], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    if (result.status !== 0) throw new Error(`turbo prune failed: ${result.stderr}`);
  });
  afterAll(() => rmSync(pruned, { recursive: true, force: true }));

  it('is multi-stage: prune, build, then a runtime on a pinned glibc slim Node LTS', () => {
    expect(file.stages.map((s) => s.name)).toEqual(['prune', 'build', 'runtime']);
    for (const stage of file.stages) expect(stage.base).toMatch(/^node:(22|24)\.\d+\.\d+-(bookworm|trixie)-slim$/);
    expect(new Set(file.stages.map((s) => s.base)).size).toBe(1);
  });

  it('prunes with the turbo the repository pins', () => {
    const prune = stageNamed(file, 'prune');
    const install = prune.instructions.find((i) => i.keyword === 'RUN' && /npm install --global .*turbo@/.test(i.args));
    expect(install?.args).toContain(`turbo@${rootPkg.devDependencies.turbo as string}`);
    expect(prune.instructions.find((i) => i.keyword === 'RUN' && /\bturbo prune\b/.test(i.args))?.args).toMatch(new RegExp(`turbo prune ${pkg} --docker`));
  });

  it('copies only what exists: context files, turbo prune output, build output', () => {
    const ignored = dockerignoreMatcher(read('.dockerignore'));
    const pruneOut = pruneOutDir(stageNamed(file, 'prune'));
    const buildWorkdir = summarizeStage(stageNamed(file, 'build')).workdir;
    let checked = 0;
    for (const stage of file.stages) {
      for (const copy of summarizeStage(stage).copies) {
        for (const src of copy.sources) {
          checked++;
          if (copy.from === undefined) {
            // From the build context (the repository root), through .dockerignore.
            expect(existsSync(join(ROOT, src))).toBe(true);
            if (src !== '.') expect(ignored(posix.normalize(src))).toBe(false);
          } else if (copy.from === 'prune') {
            const rel = posix.relative(pruneOut, posix.resolve(summarizeStage(stage).workdir, src));
            expect(rel.startsWith('..')).toBe(false);
            expect([rel, existsSync(join(pruned, rel))]).toEqual([rel, true]);
          } else if (copy.from === 'build') {
            // <workspace>/dist: a workspace of the pruned tree whose build writes dist/.
            const rel = posix.relative(buildWorkdir, src);
            const match = /^(.+)\/dist\/?$/.exec(rel);
            expect([rel, match !== null]).toEqual([rel, true]);
            const ws = (match as RegExpExecArray)[1] as string;
            expect([ws, existsSync(join(pruned, 'full', ws, 'package.json'))]).toEqual([ws, true]);
            const wsPkg = JSON.parse(readFileSync(join(pruned, 'full', ws, 'package.json'), 'utf8')) as { main?: string; files?: string[]; scripts?: Record<string, string> };
            expect(wsPkg.scripts?.build).toBeDefined();
            // Its entry is in dist/ (code), or dist/ is what it ships (the console's static files).
            expect([ws, wsPkg.main?.replace(/^\.\//, '').startsWith('dist/') === true || wsPkg.files?.includes('dist') === true]).toEqual([ws, true]);
          } else {
            throw new Error(`COPY --from=${copy.from}: unknown stage`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it("copies the compiled output of exactly the app and its production workspace dependencies", () => {
    const buildWorkdir = summarizeStage(stageNamed(file, 'build')).workdir;
    const copied = runtime.copies.filter((c) => c.from === 'build').flatMap((c) => c.sources.map((s) => posix.relative(buildWorkdir, s).replace(/\/dist\/?$/, '')));
    expect(new Set(copied)).toEqual(runtimeWorkspaces(pkg));
    expect(copied).toContain(appDir);
  });

  it('installs production dependencies only, in the runtime stage, from the pruned lockfile', () => {
    const runs = final.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b(?!.*--global)/.test(r))).toBe(false);
    expect(runtime.copies.some((c) => c.from === 'prune' && c.sources.some((s) => s.endsWith('/package-lock.json')))).toBe(true);
  });

  it('has only RUN steps that images:verify replays, or system setup it can skip', () => {
    const replayed: string[] = [];
    for (const stage of file.stages) {
      for (const run of stage.instructions.filter((i) => i.keyword === 'RUN')) {
        for (const segment of andSegments(run.args)) {
          const kind = classifyRunSegment(segment);
          if (kind === 'run') replayed.push(segment);
          if (kind === 'system') expect([segment, /^(apt-get|rm|ln|mkdir|chown) /.test(segment)]).toEqual([segment, true]);
        }
      }
    }
    expect(replayed).toEqual([
      `turbo prune ${pkg} --docker`,
      'npm ci --no-audit --no-fund',
      `npx turbo run build --filter=${pkg} --output-logs=errors-only`,
      'npm ci --omit=dev --no-audit --no-fund',
    ]);
  });

  it('runs node on the built entry point behind tini, as a non-root user, with a HEALTHCHECK on /readyz', () => {
    expect(runtime.entrypoint[0]).toBe('tini');
    expect(runtime.cmd[0]).toBe('node');
    const entry = posix.join(runtime.workdir, runtime.cmd[1] as string);
    expect(entry).toBe(posix.join('/app', appDir, 'dist/main.js'));
    expect(existsSync(join(ROOT, appDir, 'src/main.ts'))).toBe(true);
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user);
    expect(runtime.healthcheck?.cmd[0]).toBe('node');
    expect(runtime.healthcheck?.cmd.join(' ')).toContain('/readyz');
    const apt = final.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('apt-get install'));
    expect(apt?.args).toMatch(/\btini\b/);
  });

  it('sets only variables of the config schema (or of the runtime) in ENV', () => {
    for (const name of Object.keys(runtime.env)) {
      expect([name, envNames(role).has(name) || PLATFORM_ENV.has(name)]).toEqual([name, true]);
    }
    expect(runtime.env.DATA_DIR).toBe('/data');
  });

  if (role === 'worker') {
    it('has fonts for text watermarks (CJK and colour emoji too), jemalloc and an explicit sharp concurrency', () => {
      const apt = final.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('apt-get install'))?.args ?? '';
      expect(apt).toMatch(/\bfontconfig\b/);
      expect(apt).toMatch(/\bfonts-dejavu-core\b/);
      expect(apt).toMatch(/\bfonts-noto-cjk\b/);
      expect(apt).toMatch(/\bfonts-noto-color-emoji\b/);
      expect(apt).toMatch(/\blibjemalloc2\b/);
      expect(runtime.env.LD_PRELOAD).toMatch(/libjemalloc\.so\.2$/);
      expect(runtime.env.SHARP_CONCURRENCY).toMatch(/^\d+$/);
    });
  }
});

describe('.dockerignore', () => {
  it('keeps what the host built or installed out of the build context', () => {
    const ignored = dockerignoreMatcher(read('.dockerignore'));
    for (const path of ['node_modules/x', 'apps/api/node_modules/x', 'apps/api/dist/main.js', 'packages/contracts/dist/index.js', '.git/HEAD', '.turbo/x', 'data/records/x', 'bench/out/x']) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
    for (const path of ['package.json', 'package-lock.json', 'turbo.json', 'apps/api/src/main.ts', 'packages/contracts/scripts/write-esm-entry.cjs']) {
      expect([path, ignored(path)]).toEqual([path, false]);
    }
  });
});

describe('docker/compose.yaml', () => {
  const compose = obj(parseYaml(read('docker/compose.yaml')));
  const services = obj(compose.services);
  const roleOf: Record<string, Role> = { api: 'api', worker: 'worker' };

  it('runs RabbitMQ (management image, health-checked) and its users step, PostgreSQL, the API, the worker, and the dlq tool', () => {
    const rabbit = obj(services.rabbitmq);
    expect(rabbit.image).toMatch(/^rabbitmq:4[.\w-]*-management$/);
    expect(arr(obj(rabbit.healthcheck).test).join(' ')).toContain('rabbitmq-diagnostics -q ping');
    expect(Object.keys(services).sort()).toEqual(['api', 'dlq', 'grafana', 'postgres', 'prometheus', 'rabbitmq', 'rabbitmq-users', 'worker']);
    // Only what `up` starts; the dlq command runs on demand (deploy-broker-users.test.ts checks it).
    expect(arr(obj(services.dlq).profiles)).toEqual(['tools']);
  });

  describe('prometheus and grafana (profile observability)', () => {
    const prometheus = obj(services.prometheus);
    const grafana = obj(services.grafana);
    /** `host:container[:ro]` mounts of a service whose host side is a path: host path resolved from docker/. */
    const binds = (service: Json) =>
      arr(service.volumes)
        .map(String)
        .filter((v) => v.startsWith('.'))
        .map((v) => {
          const [host = '', container = '', mode] = v.split(':');
          return { host: resolve(ROOT, 'docker', host), container, mode };
        });

    it('starts only with the observability profile, with its data in named volumes', () => {
      for (const service of [prometheus, grafana]) {
        expect(arr(service.profiles)).toEqual(['observability']);
        const named = arr(service.volumes).map(String).filter((v) => !v.startsWith('.')).map((v) => v.split(':')[0] as string);
        expect(named).toHaveLength(1);
        expect(Object.keys(obj(compose.volumes))).toContain(named[0]);
      }
    });

    it('mounts files of deploy/observability that exist, read-only', () => {
      const all = [...binds(prometheus), ...binds(grafana)];
      expect(all.length).toBeGreaterThanOrEqual(4);
      for (const bind of all) {
        expect([bind.host, existsSync(bind.host)]).toEqual([bind.host, true]);
        expect(bind.host.startsWith(join(ROOT, 'deploy/observability'))).toBe(true);
        expect(bind.mode).toBe('ro');
      }
    });

    it('runs the mounted prometheus.yml, whose rule files are mounted beside it and whose jobs are those the rules and the dashboard select', () => {
      const command = arr(prometheus.command).map(String);
      const configPath = command.find((c) => c.startsWith('--config.file='))?.slice('--config.file='.length);
      const config = binds(prometheus).find((b) => b.container === configPath);
      expect(config?.host).toBe(join(ROOT, 'deploy/observability/prometheus.yml'));
      const parsed = obj(parseYaml(readFileSync(String(config?.host), 'utf8')));
      for (const rules of arr(parsed.rule_files).map(String)) {
        const inContainer = posix.resolve(posix.dirname(String(configPath)), rules);
        const mounted = binds(prometheus).find((b) => b.container === inContainer);
        expect([rules, mounted?.host]).toEqual([rules, join(ROOT, 'deploy/observability', rules)]);
      }
      const jobs = arr(parsed.scrape_configs).map((c) => String(obj(c).job_name));
      expect(jobs.sort()).toEqual(['offload-api', 'offload-worker']);
      expect(read('deploy/observability/alerts.yaml')).toContain('up{job="offload-worker"}');
    });

    it("scrapes the API with its METRICS_TOKEN, handed to Prometheus as a compose secret", () => {
      const parsed = obj(parseYaml(read('deploy/observability/prometheus.yml')));
      const api = obj(arr(parsed.scrape_configs).find((c) => obj(c).job_name === 'offload-api'));
      expect(arr(obj(arr(api.static_configs)[0]).targets)).toEqual([`api:${String(obj(obj(services.api).environment).PORT)}`]);
      const credentials = String(obj(api.authorization).credentials_file);
      const secret = arr(prometheus.secrets).map(String)[0] as string;
      expect(credentials).toBe(`/run/secrets/${secret}`);
      expect(obj(obj(compose.secrets)[secret]).environment).toBe('METRICS_TOKEN');
      expect(String(obj(obj(services.api).environment).METRICS_TOKEN)).toMatch(/^\$\{METRICS_TOKEN:\?/);
      const worker = obj(arr(parsed.scrape_configs).find((c) => obj(c).job_name === 'offload-worker'));
      expect(obj(arr(worker.dns_sd_configs)[0]).port).toBe(Number(obj(obj(services.worker).environment).WORKER_HTTP_PORT));
    });

    it('provisions Grafana with the Prometheus datasource and the dashboard, which names that datasource', () => {
      const provisioning = binds(grafana).find((b) => b.container === '/etc/grafana/provisioning');
      const dashboards = binds(grafana).find((b) => b.container === '/var/lib/grafana/dashboards');
      expect(provisioning?.host).toBe(join(ROOT, 'deploy/observability/grafana/provisioning'));
      const datasources = arr(obj(parseYaml(read('deploy/observability/grafana/provisioning/datasources/prometheus.yaml'))).datasources).map(obj);
      expect(datasources).toHaveLength(1);
      expect(datasources[0]?.url).toBe('http://prometheus:9090');
      const provider = obj(arr(obj(parseYaml(read('deploy/observability/grafana/provisioning/dashboards/offload.yaml'))).providers)[0]);
      expect(obj(provider.options).path).toBe(dashboards?.container);
      const dashboard = JSON.parse(read('deploy/observability/grafana/dashboards/offload.json')) as { panels: { type: string; datasource?: { uid?: string }; repeat?: string }[] };
      const used = new Set(dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.datasource?.uid));
      expect([...used]).toEqual([datasources[0]?.uid]);
      expect(dashboard.panels.some((p) => p.type === 'row' && p.repeat === 'task_type')).toBe(true);
      expect(String(obj(grafana.environment).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)).toBe(`${String(dashboards?.container)}/offload.json`);
    });
  });

  describe('postgres', () => {
    const postgres = obj(services.postgres);
    const env = obj(postgres.environment);

    it('is the official image on a pinned major version (a new major cannot open the old data directory)', () => {
      expect(postgres.image).toMatch(/^postgres:17(\.\d+)*(-[a-z]+)?$/);
    });

    it('keeps its data in a named volume', () => {
      const volume = arr(postgres.volumes).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
      const name = String(volume).split(':')[0] as string;
      expect(name).toMatch(/^[a-z][\w-]*$/);
      expect(Object.keys(obj(compose.volumes))).toContain(name);
      expect(name).not.toBe('offload-data');
    });

    it('is health-checked with pg_isready on its own user and database, and restarts', () => {
      const test = arr(obj(postgres.healthcheck).test).map(String);
      expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
      expect(test.join(' ')).toContain(`-U ${String(env.POSTGRES_USER)}`);
      expect(test.join(' ')).toContain(`-d ${String(env.POSTGRES_DB)}`);
      expect(postgres.restart).toMatch(/^(always|unless-stopped|on-failure)/);
    });

    it('has credentials set (not the image defaults)', () => {
      expect(typeof env.POSTGRES_USER).toBe('string');
      expect(env.POSTGRES_USER).not.toBe('postgres');
      expect(typeof env.POSTGRES_PASSWORD).toBe('string');
      expect(typeof env.POSTGRES_DB).toBe('string');
    });

    it.each(['api', 'worker'])('%s: keeps its records there (RECORD_STORE_URL names its service, user and database)', (name) => {
      const url = new URL(String(obj(obj(services[name]).environment).RECORD_STORE_URL));
      expect(url.protocol).toMatch(/^postgres(ql)?:$/);
      expect(url.hostname).toBe('postgres');
      expect(url.port || '5432').toBe('5432');
      expect(decodeURIComponent(url.username)).toBe(env.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(env.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${String(env.POSTGRES_DB)}`);
    });
  });

  it.each(['api', 'worker'])('%s: builds its Dockerfile from the repository root', (name) => {
    const build = obj(obj(services[name]).build);
    const context = resolve(ROOT, 'docker', String(build.context));
    expect(context).toBe(ROOT);
    expect(build.dockerfile).toBe(`docker/${name}.Dockerfile`);
  });

  it.each(['api', 'worker'])('%s: sets only variables of its config schema', (name) => {
    const env = obj(obj(services[name]).environment);
    const known = envNames(roleOf[name] as Role);
    for (const key of Object.keys(env)) expect([key, known.has(key)]).toEqual([key, true]);
  });

  it.each(['api', 'worker'])('%s: starts after RabbitMQ and PostgreSQL are healthy, restarts, shares the DATA_DIR volume', (name) => {
    const service = obj(services[name]);
    expect(obj(obj(service.depends_on).rabbitmq).condition).toBe('service_healthy');
    expect(obj(obj(service.depends_on).postgres).condition).toBe('service_healthy');
    expect(service.restart).toMatch(/^(always|unless-stopped|on-failure)/);
    const dataDir = String(obj(service.environment).DATA_DIR);
    const volume = arr(service.volumes).map(String).find((v) => v.endsWith(`:${dataDir}`));
    expect(volume).toBe(`offload-data:${dataDir}`);
    expect(Object.keys(obj(compose.volumes))).toContain('offload-data');
  });

  it('lists no task type: the workers consume every registered type', () => {
    expect(obj(obj(services.worker).environment).WORKER_TASK_TYPES).toBeUndefined();
  });

  it('publishes the API on 3000 and runs 3 worker replicas', () => {
    expect(arr(obj(services.api).ports).map(String)).toContain('3000:3000');
    expect(obj(obj(services.worker).deploy).replicas).toBe(3);
  });

  it.each([
    ['api', 'API_SHUTDOWN_GRACE_MS'],
    ['worker', 'WORKER_SHUTDOWN_GRACE_MS'],
  ])('%s: stop_grace_period outlasts %s', (name, variable) => {
    const service = obj(services[name]);
    const grace = graceMs(roleOf[name] as Role, variable, obj(service.environment));
    expect(durationMs(String(service.stop_grace_period))).toBeGreaterThan(grace);
    expect(grace).toBeGreaterThanOrEqual(graceMs(roleOf[name] as Role, variable, {}));
  });
});

describe('deploy/k8s', () => {
  const dir = join(ROOT, 'deploy/k8s');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const docs: Json[] = files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return obj(doc.toJSON());
    }),
  );
  const named = (kind: string, name: string): Json => {
    const found = docs.find((d) => d.kind === kind && obj(d.metadata).name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  const deployments: [Role, string][] = [
    ['api', 'offload-api'],
    ['worker', 'offload-worker'],
  ];
  const container = (name: string): Json => obj(arr(obj(obj(obj(named('Deployment', name).spec).template).spec).containers)[0]);
  const podSpec = (name: string): Json => obj(obj(obj(named('Deployment', name).spec).template).spec);
  /** The variables a container gets: env entries and the keys of envFrom ConfigMaps and Secrets. */
  const containerEnv = (name: string): Record<string, unknown> => {
    const c = container(name);
    const env: Record<string, unknown> = {};
    for (const from of arr(c.envFrom).map(obj)) {
      const ref = obj(from.configMapRef ?? from.secretRef);
      const source = named(from.configMapRef ? 'ConfigMap' : 'Secret', String(ref.name));
      Object.assign(env, obj(source.data), obj(source.stringData));
    }
    for (const e of arr(c.env).map(obj)) env[String(e.name)] = e.value ?? '(from a reference)';
    return env;
  };

  it('every manifest parses, in apply order, namespace first', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const d of docs) {
      expect(typeof d.apiVersion).toBe('string');
      expect(typeof d.kind).toBe('string');
      expect(typeof obj(d.metadata).name).toBe('string');
    }
    expect(docs[0]?.kind).toBe('Namespace');
    const namespace = obj(docs[0]?.metadata).name;
    for (const d of docs.slice(1)) expect(obj(d.metadata).namespace).toBe(namespace);
  });

  it.each(deployments)('%s: sets only variables of its config schema', (role, name) => {
    const known = envNames(role);
    for (const key of Object.keys(containerEnv(name))) expect([key, known.has(key)]).toEqual([key, true]);
  });

  it.each(deployments)('%s: every Secret or ConfigMap key it references exists', (_role, name) => {
    for (const e of arr(container(name).env).map(obj)) {
      const ref = obj(obj(e.valueFrom).secretKeyRef);
      if (!ref.name) continue;
      const secret = named('Secret', String(ref.name));
      expect(Object.keys({ ...obj(secret.data), ...obj(secret.stringData) })).toContain(ref.key);
    }
  });

  it.each(deployments)('%s: probes /readyz and /livez on its port, has resources, a preStop pause and a long enough grace', (role, name) => {
    const c = container(name);
    const env = containerEnv(name);
    const port = Number(env[role === 'api' ? 'PORT' : 'WORKER_HTTP_PORT'] ?? envDefaults(role).get(role === 'api' ? 'PORT' : 'WORKER_HTTP_PORT'));
    const ports = arr(c.ports).map(obj);
    expect(ports.map((p) => p.containerPort)).toContain(port);
    const portName = ports.find((p) => p.containerPort === port)?.name;
    const probe = (kind: string) => obj(obj(c[kind]).httpGet);
    expect(probe('readinessProbe').path).toBe('/readyz');
    expect(probe('livenessProbe').path).toBe('/livez');
    for (const kind of ['readinessProbe', 'livenessProbe']) expect([port, portName]).toContain(probe(kind).port);
    expect(obj(obj(c.resources).requests).memory).toBeDefined();
    expect(obj(obj(c.resources).limits).memory).toBeDefined();
    const preStop = arr(obj(obj(obj(c.lifecycle).preStop).exec).command).map(String);
    expect(preStop[0]).toBe('sleep');
    const pauseMs = Number(preStop[1]) * 1000;
    const grace = graceMs(role, role === 'api' ? 'API_SHUTDOWN_GRACE_MS' : 'WORKER_SHUTDOWN_GRACE_MS', env);
    expect(Number(podSpec(name).terminationGracePeriodSeconds) * 1000).toBeGreaterThan(pauseMs + grace);
    expect(obj(podSpec(name).securityContext).runAsNonRoot).toBe(true);
  });

  it.each(deployments)('%s: takes RECORD_STORE_URL (a postgres:// URL) from the Secret offload-records', (_role, name) => {
    const entry = arr(container(name).env).map(obj).find((e) => e.name === 'RECORD_STORE_URL');
    expect(entry?.value).toBeUndefined();
    const ref = obj(obj(entry?.valueFrom).secretKeyRef);
    expect(ref).toEqual({ name: 'offload-records', key: 'RECORD_STORE_URL' });
    const secret = named('Secret', 'offload-records');
    const url = String({ ...obj(secret.data), ...obj(secret.stringData) }.RECORD_STORE_URL);
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    // Not in the ConfigMap too, where a password would be in plain sight (and envFrom would shadow it).
    expect(Object.keys(obj(named('ConfigMap', 'offload-config').data))).not.toContain('RECORD_STORE_URL');
  });

  it.each(deployments)('%s: mounts the ReadWriteMany claim at DATA_DIR', (_role, name) => {
    const dataDir = String(containerEnv(name).DATA_DIR);
    const mount = arr(container(name).volumeMounts).map(obj).find((m) => m.mountPath === dataDir);
    const volume = arr(podSpec(name).volumes).map(obj).find((v) => v.name === mount?.name);
    const claim = String(obj(volume?.persistentVolumeClaim).claimName);
    expect(arr(obj(named('PersistentVolumeClaim', claim).spec).accessModes)).toContain('ReadWriteMany');
  });

  it('has a Service in front of the API pods', () => {
    const service = docs.find((d) => d.kind === 'Service');
    const labels = obj(obj(obj(obj(named('Deployment', 'offload-api').spec).template).metadata).labels);
    for (const [k, v] of Object.entries(obj(obj(service?.spec).selector))) expect(labels[k]).toBe(v);
    const targetPort = obj(arr(obj(service?.spec).ports)[0]).targetPort;
    expect(arr(container('offload-api').ports).map(obj).some((p) => p.name === targetPort || p.containerPort === targetPort)).toBe(true);
  });

  it("scales the workers with KEDA on the work queues' length over the management API", () => {
    const scaled = docs.find((d) => d.kind === 'ScaledObject');
    const spec = obj(scaled?.spec);
    expect(obj(spec.scaleTargetRef).name).toBe('offload-worker');
    const env = containerEnv('offload-worker');
    const topology = buildTopology(String(env.QUEUE_PREFIX ?? envDefaults('worker').get('QUEUE_PREFIX')));
    const consumed = String(env.WORKER_TASK_TYPES ?? TASK_TYPES.join(',')).split(',');
    const triggers = arr(spec.triggers).map(obj);
    for (const t of triggers) {
      expect(t.type).toBe('rabbitmq');
      expect(obj(t.metadata).protocol).toBe('http');
      expect(obj(t.metadata).mode).toBe('QueueLength');
      const auth = named('TriggerAuthentication', String(obj(t.authenticationRef).name));
      for (const ref of arr(obj(auth.spec).secretTargetRef).map(obj)) {
        const secret = named('Secret', String(ref.name));
        expect(Object.keys({ ...obj(secret.data), ...obj(secret.stringData) })).toContain(ref.key);
      }
    }
    // Each trigger names one queue, or a pattern (useRegex) that takes every work queue and nothing else.
    const patterns = triggers.map((t) => {
      const metadata = obj(t.metadata);
      const name = String(metadata.queueName);
      return metadata.useRegex === 'true' ? new RegExp(name) : new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    });
    const counted = (queue: string) => patterns.some((p) => p.test(queue));
    for (const type of consumed) {
      expect(counted(topology.workQueues[type as keyof typeof topology.workQueues])).toBe(true);
      expect(counted(topology.highWorkQueues[type as keyof typeof topology.highWorkQueues])).toBe(true);
    }
    for (const queue of topology.queues.filter((q) => q.role !== 'work')) expect(counted(queue.name)).toBe(false);
  });

  it('lists no task type: a worker consumes every registered type unless WORKER_TASK_TYPES narrows it', () => {
    expect(containerEnv('offload-worker').WORKER_TASK_TYPES).toBeUndefined();
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = obj(parseYaml(read('.github/workflows/ci.yml')));
  const jobs = Object.values(obj(workflow.jobs)).map(obj);
  const runs = (job: Json) => arr(job.steps).map((s) => String(obj(s).run ?? '')).join('\n');
  /** A job's commands, with `.ci/run` (what it calls) expanded. */
  const commands = (job: Json) => (/\.ci\/run\b/.test(runs(job)) ? `${runs(job)}\n${read('.ci/run')}` : runs(job));

  it('runs on push and pull request', () => {
    expect(Object.keys(obj(workflow.on))).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it("runs npm ci, the README's test command, lint and typecheck with Ubuntu's RabbitMQ", () => {
    const readmeTest = /```sh\n(npm ci && npm test)\n```/.exec(read('README.md'))?.[1];
    expect(readmeTest).toBe('npm ci && npm test');
    const testJob = jobs.find((j) => /(^|\s)npm test(\s|$)/m.test(commands(j)));
    expect(testJob).toBeDefined();
    const text = commands(testJob as Json);
    for (const command of ['npm ci', 'npm test', 'npm run lint', 'npm run typecheck']) expect([command, text.includes(command)]).toEqual([command, true]);
    expect(runs(testJob as Json)).toMatch(/apt-get install .*rabbitmq-server/);
  });

  it('builds both images with buildx from the repository root, without pushing', () => {
    const steps = jobs.flatMap((j) => arr(j.steps).map(obj));
    expect(steps.some((s) => String(s.uses).startsWith('docker/setup-buildx-action@'))).toBe(true);
    const builds = steps.filter((s) => String(s.uses).startsWith('docker/build-push-action@')).map((s) => obj(s.with));
    expect(builds.map((b) => b.file).sort()).toEqual(IMAGES.map((i) => i.dockerfile).sort());
    for (const b of builds) {
      expect(b.context).toBe('.');
      expect(b.push).toBe(false);
    }
  });
});

describe('README', () => {
  const readme = read('README.md');
  it('documents the compose start, the Kubernetes path and images:verify', () => {
    expect(readme).toContain('docker compose -f docker/compose.yaml up --build');
    expect(readme).toContain('kubectl apply -f deploy/k8s/');
    expect(readme).toContain('npm run images:verify');
  });

  it('names only files that exist under docker/ and deploy/', () => {
    for (const [, path] of readme.matchAll(/`((?:docker|deploy)\/[\w./-]+)`/g)) {
      expect([path, existsSync(join(ROOT, path as string))]).toEqual([path, true]);
    }
  });
});
