/**
 * Connections the kernel may queue for a listening socket before the process accepts them (capped by
 * net.core.somaxconn). Node's default, 511, overflowed at bursts of ~500 new connections a second on a
 * loaded instance (clients saw ECONNRESET; a busy event loop accepts once per turn), e.g. many agents
 * opening their long-polls at once.
 */
export const LISTEN_BACKLOG = 4096;

/** What both our servers offer: node's http.Server and smtp-server's SMTPServer (which re-emits its socket's errors). */
interface Listenable {
  listen(port: number, host: string, backlog: number, onListening: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * `listen` as a promise that rejects with the error (EADDRINUSE and friends) instead of leaving an
 * unhandled 'error' event: the caller explains it (main.ts: exit 3, one sentence).
 */
export function listenOn(server: Listenable, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
