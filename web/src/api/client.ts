import { cacheExchange, Client, fetchExchange } from '@urql/core';

/** The GraphQL endpoint on this origin: the public API, the only one the console uses. */
export const GRAPHQL_URL = '/graphql';

/** A client for one API key (a new key means a new client, so no cached answer crosses keys). */
export function createApiClient(apiKey: string): Client {
  return new Client({
    url: GRAPHQL_URL,
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${apiKey}` } }),
  });
}
