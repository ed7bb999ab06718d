import { useState } from 'preact/hooks';
import { keyProblem } from '../lib/session';

/** The key goes in a password field, is checked with GET /v1/me, and is kept for this tab only. */
export function SignIn({ message, onSignIn }: { message?: string | undefined; onSignIn(key: string): Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const problem = keyProblem(key);
    if (problem !== undefined) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(undefined);
    onSignIn(key.trim()).catch((err: unknown) => {
      setBusy(false);
      setError(err instanceof Error ? err.message : String(err));
    });
  };
  return (
    <main class="sign-in">
      <h1>offload console</h1>
      <form onSubmit={submit} noValidate>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autoComplete="off" spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby="key-help" required />
        <p id="key-help" class="muted">
          The key <code>npm start</code> printed, or one from <code>npm run keys -- create</code>. It is kept in this tab only and sent in a header, never in a URL.
        </p>
        {error === undefined ? null : (
          <p class="banner banner-bad" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
