import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import type { Context } from './context';
import { type ErrorLogger, markRequest, maskError } from './errors';
import { type ResponseBoundsOptions, responseBounds } from './response-bounds';

/**
 * Limits that keep one request from costing the server too much (depth, aliases, directives, tokens,
 * cost). The REST routes run fixed operations and need none of them. Introspection is exempt so the
 * IDE's schema query works; field suggestions ("did you mean …") go with introspection.
 */
export const GRAPHQL_LIMITS = { maxDepth: 10, maxAliases: 15, maxDirectives: 20, maxTokens: 2000, maxCost: 5000 };

export function createApollo(
  schema: GraphQLSchema,
  opts: { introspection: boolean; logError: ErrorLogger; bounds?: Omit<ResponseBoundsOptions, 'schema'>; plugins?: ApolloServerPlugin<Context>[] },
): ApolloServer<Context> {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: true },
    // No alias is free: armor's default allow-list exempts `__typename`, which lets 100 aliases of it through.
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases, allowList: [] },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    // Tokens are counted by graphql-js's own parser (parseOptions below): armor's Apollo plugin throws from a
    // plugin hook, which Apollo answers with HTTP 500 instead of a 400 syntax error.
    maxTokens: { enabled: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: !opts.introspection },
  }).protect();
  return new ApolloServer<Context>({
    schema,
    introspection: opts.introspection,
    parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
    // Batched requests multiply every limit above: off (also armor's default).
    allowBatchedHttpRequests: false,
    // Refuses simple (CSRF-able) requests: GET and form posts need a preflight-forcing header.
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    validationRules: armor.validationRules,
    formatError: (formatted, error) => maskError(formatted, error, opts.logError),
    plugins: [
      ...armor.plugins,
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin hooks every field of every response to compute a
      // Cache-Control header; our data is per key and changes with every write, so there is nothing to cache.
      ApolloServerPluginCacheControlDisabled(),
      // Federation traces are for subgraphs; ours is not one, and the default plugin is called on every request.
      ApolloServerPluginInlineTraceDisabled(),
      markErrorsWithRequestId,
      ...(opts.bounds ? [responseBounds({ schema, ...opts.bounds })] : []),
      ...(opts.plugins ?? []),
    ],
  });
}

/** formatError sees no context: the errors it is handed are marked with their request id just before. */
const markingHooks = {
  async didEncounterErrors({ errors, contextValue }: { errors: readonly GraphQLError[]; contextValue: Context }) {
    for (const error of errors) markRequest(error, contextValue.requestId);
  },
};
const markErrorsWithRequestId: ApolloServerPlugin<Context> = {
  // The same hooks object for every request: nothing is made per request unless something failed.
  async requestDidStart() {
    return markingHooks;
  },
};
