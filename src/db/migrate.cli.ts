// `npm run db:migrate` / production start: apply pending migrations to DATABASE_URL and say what ran.
import { applyMigrations } from './migrate';

const url = process.env.DATABASE_URL || 'file:./data/sessions.db';

applyMigrations({ url, log: (msg) => console.log(msg) })
  .then(({ applied }) => {
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
