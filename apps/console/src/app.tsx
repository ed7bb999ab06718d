import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createApiClient, type ApiClient } from './lib/api-client';
import { abilitiesOf, type Abilities, type Me } from './lib/domain';
import { parseRoute } from './lib/hash-route';
import { forgetKey, savedKey, saveKey } from './lib/session';
import { useHash } from './hooks';
import { SignIn } from './pages/sign-in';
import { Overview } from './pages/overview';
import { Tasks } from './pages/tasks';
import { TaskPage } from './pages/task';
import { DeadLetters } from './pages/dead-letters';
import { Workers } from './pages/workers';

/** What every page gets: the API with the tab's key, who signed in, and what they may do. */
export interface Session {
  api: ApiClient;
  me: Me;
  can: Abilities;
}

type SignInState = { kind: 'checking' } | { kind: 'signed-out'; message?: string } | { kind: 'signed-in'; session: Session };

async function signIn(key: string): Promise<Session> {
  const api = createApiClient(key);
  const me = await api.get<Me>('/v1/me');
  return { api, me, can: abilitiesOf(me) };
}

export function App() {
  const [state, setState] = useState<SignInState>(() => (savedKey() === undefined ? { kind: 'signed-out' } : { kind: 'checking' }));

  useEffect(() => {
    const key = savedKey();
    if (key === undefined) return;
    signIn(key).then(
      (session) => setState({ kind: 'signed-in', session }),
      (err: unknown) => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) forgetKey();
        setState({ kind: 'signed-out', message: err instanceof Error ? err.message : String(err) });
      },
    );
  }, []);

  if (state.kind === 'checking') return <p class="page">Signing in…</p>;
  if (state.kind === 'signed-out') {
    return (
      <SignIn
        message={state.message}
        onSignIn={async (key) => {
          const session = await signIn(key);
          saveKey(key);
          setState({ kind: 'signed-in', session });
        }}
      />
    );
  }
  return (
    <Shell
      session={state.session}
      onSignOut={() => {
        forgetKey();
        setState({ kind: 'signed-out' });
      }}
    />
  );
}

const NAV = [
  { href: '#/', label: 'Overview', page: 'overview' },
  { href: '#/tasks', label: 'Tasks', page: 'tasks' },
  { href: '#/dead-letters', label: 'Dead letters', page: 'dead-letters' },
  { href: '#/workers', label: 'Workers', page: 'workers' },
] as const;

function Shell({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const hash = useHash();
  const route = useMemo(() => parseRoute(hash), [hash]);
  const current = route.page === 'task' ? 'tasks' : route.page;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">offload</span>
        <nav aria-label="Pages">
          {NAV.map((item) => (
            <a key={item.page} href={item.href} aria-current={current === item.page ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {session.me.name} · {session.me.tenant} · {session.can.admin ? 'admin' : session.can.write ? 'read and cancel' : 'read-only'}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {route.page === 'overview' ? <Overview session={session} /> : null}
        {route.page === 'tasks' ? <Tasks session={session} query={route.query} /> : null}
        {route.page === 'task' ? <TaskPage key={route.id} session={session} id={route.id} /> : null}
        {route.page === 'dead-letters' ? <DeadLetters session={session} /> : null}
        {route.page === 'workers' ? <Workers session={session} /> : null}
        {route.page === 'not-found' ? (
          <p>
            No page here. <a href="#/">Go to the overview</a>.
          </p>
        ) : null}
      </main>
    </div>
  );
}
