import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const graphqlDir = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'graphql');

export default defineConfig({
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
  },
});
