// `npm run keys -- create --owner <name> | list | revoke <prefix>` against DATABASE_URL.
// `create` prints the new key alone on the last line of stdout, so scripts can take `| tail -n 1`.
import { systemClock } from '../common/clock';
import { createDatabase } from '../db/client';
import { explainDatabaseError } from '../db/database-errors';
import { applyMigrations } from '../db/migrate';
import { describeFailure } from '../startup/failure';
import { ApiKeyService } from './api-keys.service';

// It takes no lock (src/db/sqlite-process-lock.ts): it runs beside a running gateway on the same file.
const url = process.env.DATABASE_URL || 'file:./data/sessions.db';

const USAGE = `usage:
  npm run keys -- create --owner <name>   create a key (printed once, on the last line)
  npm run keys -- list                    list keys: prefix, owner, created, revoked
  npm run keys -- revoke <prefix>         revoke the key whose prefix starts with <prefix>`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  await applyMigrations({ url });
  const db = await createDatabase({ url });
  const keys = new ApiKeyService(db, systemClock, 0);
  try {
    if (command === 'create') {
      const ownerAt = rest.indexOf('--owner');
      const owner = ownerAt >= 0 ? rest[ownerAt + 1] : undefined;
      if (!owner || owner.startsWith('--') || owner.length > 100) {
        console.error('create needs --owner <name> (1 to 100 characters)');
        return 2;
      }
      const key = await keys.create(owner);
      console.error(`Created a key for owner "${owner}". Store it now: it is not shown again.`);
      console.log(key);
      return 0;
    }
    if (command === 'list') {
      const rows = await keys.list();
      if (rows.length === 0) console.log('no keys');
      for (const k of rows) {
        console.log(`${k.prefix}\t${k.owner}\tcreated ${k.createdAt.toISOString()}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}`);
      }
      return 0;
    }
    const prefix = rest[0];
    if (!prefix || prefix.length < 4) {
      console.error('revoke needs a key prefix of at least 4 characters (see `keys -- list`)');
      return 2;
    }
    const revoked = await keys.revoke(prefix);
    if (revoked === 0) {
      console.error(`no active key starts with "${prefix}"`);
      return 1;
    }
    console.log(`revoked ${prefix}`);
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // An unreachable or unopenable database is explained as at server start (exit 4).
    const { text, exitCode } = describeFailure(explainDatabaseError(err, url), 'npm run keys failed');
    console.error(text);
    process.exit(exitCode);
  },
);
