import { ExitCode, StartupError } from '../startup/failure';
import { isTransientPostgresError, postgresAddress, shortReason } from './database-errors';

export interface WaitForPostgresOptions {
  url: string;
  /** DATABASE_CONNECT_TIMEOUT_S: how long to keep trying; 0 = one attempt. */
  timeoutS: number;
  /** One line per failed attempt. */
  log: (line: string) => void;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Waits until PostgreSQL accepts a connection, retrying with backoff (0.25 s doubling to 5 s) for up to
 * timeoutS. In a compose file the database often starts after the gateway: without this, a refused
 * first connection would end the process and the supervisor would restart it in a loop. A refusal that
 * waiting cannot fix (wrong password, no such database) is thrown at once, for the caller to explain.
 */
export async function waitForPostgres(opts: WaitForPostgresOptions): Promise<void> {
  const url = new URL(opts.url);
  url.searchParams.delete('schema'); // Prisma's convention, unknown to pg
  const at = postgresAddress(opts.url);
  const started = Date.now();
  const deadline = started + opts.timeoutS * 1000;
  const { Client } = await import('pg');
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: Math.min(MAX_DELAY_MS, Math.max(1_000, deadline - Date.now())) });
    client.on('error', () => {}); // a connection that breaks after the attempt is not this attempt's failure
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (!isTransientPostgresError(err)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) {
        const waited = Math.round((Date.now() - started) / 1000);
        throw new StartupError(
          ExitCode.databaseUnavailable,
          [
            `Cannot reach PostgreSQL at ${at} (DATABASE_URL): ${shortReason(err)} (${attempt} ${attempt === 1 ? 'attempt' : 'attempts'} in ${waited} s, DATABASE_CONNECT_TIMEOUT_S=${opts.timeoutS}).`,
            'Start PostgreSQL or correct the host and port in DATABASE_URL; raise DATABASE_CONNECT_TIMEOUT_S if it needs longer to come up.',
          ],
          { cause: err },
        );
      }
      const wait = Math.min(delay, left);
      opts.log(`PostgreSQL at ${at} is not reachable yet (${shortReason(err)}, attempt ${attempt}); trying again in ${(wait / 1000).toFixed(wait < 1000 ? 2 : 0)} s, for up to DATABASE_CONNECT_TIMEOUT_S=${opts.timeoutS} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
