// The compose file's one-shot `rabbitmq-users` step: creates (or updates) offload's RabbitMQ users
// and their permission regexes through the management HTTP API, as the broker's administrator,
// then deletes `guest` if it exists. Idempotent: every `docker compose up` runs it again, so a
// changed password in docker/.env or a changed regex in offload-users.json takes effect.
//
// offload-users.json holds the users, their tags and their regexes. They are
// brokerPermissions('offload') of @offload/contracts, and e2e/test/deploy-files.test.ts fails when
// they differ. Passwords come from the variables the file names (password_env), never from a file
// in the repository. Plain Node (20+), no dependency: it runs in the node image the apps use.
import { readFile } from 'node:fs/promises';

const env = process.env;
const base = (env.RABBITMQ_MANAGEMENT_URL ?? 'http://rabbitmq:15672').replace(/\/+$/, '');
const admin = { user: env.RABBITMQ_ADMIN_USER ?? '', password: env.RABBITMQ_ADMIN_PASSWORD ?? '' };
const WAIT_MS = Number(env.RABBITMQ_WAIT_MS ?? 120_000);
const say = (line) => process.stdout.write(`rabbitmq-users: ${line}\n`);

function fail(line) {
  process.stderr.write(`rabbitmq-users: ${line}\n`);
  process.exit(1);
}

async function call(method, path, body) {
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 401) fail(`the management API at ${base} refused ${admin.user} (401): check RABBITMQ_ADMIN_PASSWORD (a rabbitmq-data volume keeps the password it was created with)`);
  return res;
}

/** The management API answers a little after the node's health check passes: wait for it. */
async function waitForManagement() {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const res = await call('GET', '/overview');
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) fail(`no answer from the management API at ${base} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function put(path, body, what) {
  const res = await call('PUT', path, body);
  if (!res.ok) fail(`${what}: ${res.status} ${await res.text()}`);
}

if (admin.user === '' || admin.password === '') fail('set RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD');
const spec = JSON.parse(await readFile(new URL('./offload-users.json', import.meta.url), 'utf8'));
const missing = spec.users.map((u) => u.password_env).filter((name) => !env[name]);
if (missing.length > 0) fail(`set ${missing.join(', ')} (docker/.env: node docker/new-env.mjs > docker/.env)`);

await waitForManagement();
for (const user of spec.users) {
  await put(`/users/${encodeURIComponent(user.name)}`, { password: env[user.password_env], tags: user.tags.join(',') }, `creating user ${user.name}`);
}
for (const p of spec.permissions) {
  const { configure, write, read } = p;
  await put(`/permissions/${encodeURIComponent(p.vhost)}/${encodeURIComponent(p.user)}`, { configure, write, read }, `setting the permissions of ${p.user}`);
  say(`${p.user} on vhost ${p.vhost}: configure ${configure}  write ${write}  read ${read}`);
}
// A node created with RABBITMQ_DEFAULT_USER has no guest; one from an older volume may.
const guest = await call('DELETE', '/users/guest');
if (guest.ok) say('deleted the guest user');
else if (guest.status !== 404) fail(`deleting guest: ${guest.status} ${await guest.text()}`);
say('done');
