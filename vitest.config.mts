import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { isCi, postgresPossible, SKIP_LINE } from './test/support/postgres.mts';

const graphqlDir = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'graphql');

export default defineConfig(async () => {
  // The whole suite runs once per engine: project "sqlite" and project "postgresql" (tests can ask
  // testEngine() from test/support/database.ts). The postgresql project finds its server in
  // test/support/global-setup.ts; it is left out, loudly, only when there is no way to get one.
  // *.pg.test.ts files test what only PostgreSQL deployments do (several instances on one database).
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: 'sqlite', env: { SG_TEST_ENGINE: 'sqlite' }, exclude: ['**/node_modules/**', 'test/**/*.pg.test.ts'] } },
  ];
  // Vitest loads this file once more per `extends: true` project: decide (and say it) only once.
  const memo = globalThis as { sgPostgresPossible?: Promise<boolean> };
  memo.sgPostgresPossible ??= postgresPossible().then((possible) => {
    if (!possible && !isCi()) console.warn(`\n!!! ${SKIP_LINE} !!!\n`);
    return possible;
  });
  if (await memo.sgPostgresPossible) {
    projects.push({
      extends: true,
      test: {
        name: 'postgresql',
        env: { SG_TEST_ENGINE: 'postgresql' },
        globalSetup: ['test/support/global-setup.ts'],
        // What does not touch the database runs once, in the sqlite project.
        exclude: ['**/node_modules/**', 'test/extract/**', 'test/config/**', 'test/http/ide.test.ts', 'test/live/ide-subscription.test.ts', 'test/graphql/schema.test.ts', 'test/db/migrations.test.ts', 'test/db/sqlite-connections.test.ts', 'test/db/statement-cache.test.ts', 'test/db/group-commit.test.ts', 'test/db/ids.test.ts', 'test/bench/**', 'test/operations/node-engines.test.ts', 'test/operations/listen-backlog.test.ts',
          // Start-up on SQLite (its own files); PostgreSQL's start-up is in test/startup/*.pg.test.ts.
          'test/startup/startup.test.ts',
          // HTTP clients and pages: the engine behind the server changes nothing for them.
          'test/sdk/**', 'test/http/api-docs.test.ts', 'test/web/**',
          'test/mcp/errors.test.ts', 'test/mcp/stdio.test.ts', 'test/mcp/shutdown.test.ts', 'test/mcp/sessions.test.ts'],
      },
    });
  } else if (isCi()) {
    throw new Error(`${SKIP_LINE.replace('SKIPPED', 'cannot run')} (CI=true: they must not be skipped; .ci/run starts PostgreSQL)`);
  }

  return {
    resolve: {
      // Apollo require()s graphql's CommonJS build; ESM importers would otherwise get index.mjs, a
      // second copy ("Cannot use GraphQLSchema from another module or realm"). Everything gets the CJS one.
      alias: [
        { find: /^graphql$/, replacement: join(graphqlDir, 'index.js') },
        { find: /^graphql\/(.*?)(\.m?js)?$/, replacement: join(graphqlDir, '$1.js') },
      ],
    },
    test: {
      include: ['test/**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Inlined so their `graphql` imports go through the alias above.
      server: { deps: { inline: ['type-graphql', 'graphql-scalars'] } },
      projects,
    },
  };
});
