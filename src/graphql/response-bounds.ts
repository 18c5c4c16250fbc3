import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Context } from './context';
import type { SizeLimits } from './field-sizes';
import { formatBytes, overBudget, worstCase } from './query-cost';

export interface ResponseBoundsOptions extends SizeLimits {
  schema: GraphQLSchema;
  /** Budget for an operation's worst-case result (GRAPHQL_MAX_QUERY_BYTES). */
  maxQueryBytes: number;
  /** Hard cap on a response's serialized result (GRAPHQL_MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** Counts a refusal (metrics). */
  onLimit: (limit: 'graphql_query_cost' | 'graphql_response_bytes') => void;
}

/**
 * Bounds what one GraphQL request can make the server hold: an operation whose worst case exceeds the
 * budget is refused before it runs (400, BAD_USER_INPUT naming the budget); a result that still comes out
 * larger than the cap (the worst case counts unpaged lists at a page) is replaced by an error before
 * Apollo turns it into one string, which for hundreds of MB would grow the heap or fail outright.
 */
export function responseBounds(opts: ResponseBoundsOptions): ApolloServerPlugin<Context> {
  // Apollo hands each request of a known text the same cached document: an operation whose cost does not
  // depend on its variables is costed once (the walk over its fields was a few % of a by-id request).
  const costOf = new WeakMap<OperationDefinitionNode, number>();
  // One hooks object for every request: nothing is allocated per request.
  const hooks: GraphQLRequestListener<Context> = {
    async didResolveOperation({ document, operation, request }) {
      if (!operation) return;
      let bytes = costOf.get(operation);
      if (bytes === undefined) {
        const cost = worstCase(opts.schema, document, operation, request.variables ?? {}, opts);
        bytes = cost.bytes;
        if (!cost.readsVariables) costOf.set(operation, bytes);
      }
      if (bytes > opts.maxQueryBytes) {
        opts.onLimit('graphql_query_cost');
        throw overBudget(bytes, opts.maxQueryBytes);
      }
    },
    async willSendResponse({ response }) {
      if (response.body.kind !== 'single' || !response.body.singleResult.data) return;
      if (!jsonLongerThan(response.body.singleResult, opts.maxResponseBytes)) return;
      opts.onLimit('graphql_response_bytes');
      response.body.singleResult = {
        data: null,
        errors: [
          {
            message: `Response too large: over ${formatBytes(opts.maxResponseBytes)} (GRAPHQL_MAX_RESPONSE_BYTES). Ask for fewer items (limit) or leave out large fields.`,
            extensions: { code: 'BAD_USER_INPUT', limit: opts.maxResponseBytes },
          },
        ],
      };
    },
  };
  return {
    async requestDidStart() {
      return hooks;
    },
  };
}

/**
 * Whether `value` as JSON is longer than `max` bytes, found without building the text: it walks the value
 * and stops as soon as the count passes `max`. Strings count their UTF-8 bytes, quotes and escapes.
 */
export function jsonLongerThan(value: unknown, max: number): boolean {
  let total = 0;
  const walk = (v: unknown): boolean => {
    if (v === null || v === undefined) total += 4;
    else if (typeof v === 'string') total += stringBytes(v);
    else if (typeof v === 'number' || typeof v === 'boolean') total += String(v).length;
    else if (Array.isArray(v)) {
      total += 1 + v.length;
      for (const item of v) if (walk(item)) return true;
    } else if (typeof v === 'object') {
      const json = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') return walk(json.call(v));
      total += 2;
      for (const key in v) {
        total += stringBytes(key) + 2;
        if (walk((v as Record<string, unknown>)[key])) return true;
      }
    }
    return total > max;
  };
  return walk(value);
}

function stringBytes(s: string): number {
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) escapes += 5;
    else if (c === 0x22 || c === 0x5c) escapes += 1;
  }
  return Buffer.byteLength(s) + 2 + escapes;
}
