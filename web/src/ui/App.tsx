import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { createApiClient } from '../api/client';
import { clearKey, readKey, saveKey } from '../api/key-store';
import { sessionsHref } from '../lib/route';
import { MessagePage } from './MessagePage';
import { Link, NavigationProvider, useRoute } from './navigation';
import { SessionPage } from './SessionPage';
import { SessionsPage } from './SessionsPage';
import { SignIn } from './SignIn';

const SignOutContext = createContext<() => void>(() => {});

/** Sign out from anywhere (e.g. an error that says the key is wrong). */
export function useSignOut(): () => void {
  return useContext(SignOutContext);
}

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(readKey);
  const [route, navigate] = useRoute();
  const client = useMemo(() => (apiKey ? createApiClient(apiKey) : null), [apiKey]);
  const signOut = useCallback(() => {
    clearKey();
    setApiKey(null);
  }, []);
  const signIn = useCallback((key: string) => {
    saveKey(key);
    setApiKey(key);
  }, []);

  return (
    <NavigationProvider navigate={navigate}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href={sessionsHref()} className="brand">
          sessions-gateway <span>console</span>
        </Link>
        {client ? (
          <nav aria-label="Console">
            <Link href={sessionsHref()}>Sessions</Link>
            <button type="button" className="secondary" onClick={signOut}>
              Sign out
            </button>
          </nav>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {client ? (
          <Provider value={client}>
            <SignOutContext.Provider value={signOut}>
              {route.page === 'sessions' ? <SessionsPage /> : null}
              {route.page === 'session' ? <SessionPage key={route.id} id={route.id} /> : null}
              {route.page === 'message' ? <MessagePage key={route.id} id={route.id} sessionId={route.sessionId} /> : null}
              {route.page === 'not_found' ? (
                <section className="empty">
                  <h1>Page not found</h1>
                  <p>
                    There is nothing at {route.path}. <Link href={sessionsHref()}>See your sessions</Link>.
                  </p>
                </section>
              ) : null}
            </SignOutContext.Provider>
          </Provider>
        ) : (
          <SignIn onSignedIn={signIn} />
        )}
      </main>
    </NavigationProvider>
  );
}
