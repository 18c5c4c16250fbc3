import { preset as clientPreset } from '@graphql-codegen/client-preset';

/**
 * Typed documents for the console (`npm run web:codegen`, run by scripts/web-codegen.ts), from the
 * checked-in schema.graphql and the `graphql(...)` calls in web/src. The output is checked in: the
 * build needs no codegen step, and test/web/codegen.test.ts fails when it is stale.
 */
const config = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
  generates: {
    'web/src/gql/': {
      preset: clientPreset,
      presetConfig: { fragmentMasking: false },
      config: {
        // Only what the console's operations use: schema changes elsewhere leave the output alone.
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
