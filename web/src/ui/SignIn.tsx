import { type FormEvent, useState } from 'react';
import type { CombinedError } from 'urql';
import { createApiClient } from '../api/client';
import { WhoAmIQuery } from '../api/documents';
import { ErrorNotice, useTitle } from './common';

/** Asks for an API key and checks it with one cheap query before keeping it (sessionStorage only). */
export function SignIn(props: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<CombinedError | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle('Sign in');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return;
    setBusy(true);
    setError(null);
    const result = await createApiClient(trimmed).query(WhoAmIQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    if (result.error) setError(result.error);
    else props.onSignedIn(trimmed);
  };

  return (
    <section className="signin">
      <h1>Sign in</h1>
      <p>
        Enter an API key of this gateway. It is kept in this tab only (sessionStorage) and forgotten when you sign out or
        close the tab.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="sgk_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="hint">
          No key? The server printed one at its first start, or create one with <code>npm run keys -- create --owner you</code>.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}
