// `npm run db:migrate` / production start: apply pending migrations to DATABASE_URL and say what ran.
import { describeFailure } from '../startup/failure';
import { explainDatabaseError } from './database-errors';
import { applyMigrations } from './migrate';

const url = process.env.DATABASE_URL || 'file:./data/sessions.db';

applyMigrations({ url, log: (msg) => console.log(msg) })
  .then(({ applied }) => {
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  })
  .catch((e: unknown) => {
    // No lock is taken (src/db/sqlite-process-lock.ts): this runs beside a running gateway.
    const { text, exitCode } = describeFailure(explainDatabaseError(e, url), 'npm run db:migrate failed');
    console.error(text);
    process.exit(exitCode);
  });
