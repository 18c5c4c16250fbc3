import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { type DocumentNode, type ExecutionResult, execute, getOperationAST, getVariableValues, GraphQLError, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

export interface ExecuteArgs {
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue: unknown;
}

/** Runs an operation against the schema; the one way both `/graphql` and the REST routes execute. */
export interface Executor {
  (args: ExecuteArgs): Promise<ExecutionResult> | ExecutionResult;
  /** Whether the operation now runs compiled (for tests and diagnostics). */
  isCompiled(document: DocumentNode, operationName?: string | null): boolean;
}

/** A document runs this many times through graphql-js before it is compiled (see createExecutor). */
export const COMPILE_AFTER_RUNS = 1;
/** Documents whose compiled code is kept, the most recently used ones. */
export const MAX_COMPILED_DOCUMENTS = 1000;

interface Compiled {
  query: CompiledQuery;
  variables: readonly VariableDefinitionNode[];
}

/** A document's compiled operations by operation name ('' for none); null where graphql-jit declined. */
type CompiledOperations = Map<string, Compiled | null>;

/**
 * graphql-js interprets an operation anew on every request: it collects the fields of each selection
 * set and dispatches each field through generic code. graphql-jit compiles an operation once into a
 * function that does only what that operation needs; the resolvers, the scalars' serialize and the
 * error rules stay the schema's own. By id, running the compiled operation takes about a third of
 * graphql-js's time; a page of 50 sessions with their children, about 15 % less CPU per request
 * (bench/README.md).
 *
 * Documents are keyed by identity: the REST routes parse theirs once, and Apollo hands out the same
 * parsed document for the same query text from its document cache. Compiling costs about what parsing
 * and validating cost, so a document is compiled only once it comes back: the REST routes' documents
 * and the queries clients repeat are, a one-off query is interpreted. The compiled code of at most
 * MAX_COMPILED_DOCUMENTS documents is kept, so many distinct queries cannot grow memory without bound.
 *
 * Variables are checked by graphql-js first, so a bad one gets graphql-js's error word for word.
 * Whatever graphql-jit declines to compile (an operation name that is not in the document, say) runs
 * through graphql-js, which gives the standard error.
 */
export function createExecutor(schema: GraphQLSchema): Executor {
  const interpretedRuns = new WeakMap<DocumentNode, number>();
  /** Least recently used first. */
  const compiledDocuments = new Map<DocumentNode, CompiledOperations>();

  const operationsOf = (document: DocumentNode): CompiledOperations | undefined => {
    let operations = compiledDocuments.get(document);
    if (operations) {
      compiledDocuments.delete(document);
      compiledDocuments.set(document, operations);
      return operations;
    }
    const runs = interpretedRuns.get(document) ?? 0;
    if (runs < COMPILE_AFTER_RUNS) {
      interpretedRuns.set(document, runs + 1);
      return undefined;
    }
    compiledDocuments.set(document, (operations = new Map()));
    if (compiledDocuments.size > MAX_COMPILED_DOCUMENTS) compiledDocuments.delete(compiledDocuments.keys().next().value!);
    return operations;
  };

  const compile = (document: DocumentNode, operationName: string | null | undefined): Compiled | null => {
    const query = compileQuery(schema, document, operationName ?? undefined);
    const operation = getOperationAST(document, operationName);
    return isCompiledQuery(query) && operation ? { query, variables: operation.variableDefinitions ?? [] } : null;
  };

  const run = ({ document, operationName, variableValues, contextValue }: ExecuteArgs) => {
    const operations = operationsOf(document);
    let compiled: Compiled | null | undefined;
    if (operations) {
      const name = operationName ?? '';
      compiled = operations.get(name);
      if (compiled === undefined) operations.set(name, (compiled = compile(document, operationName)));
    }
    if (!compiled) return execute({ schema, document, operationName, variableValues, contextValue });
    const inputs = variableValues ?? {};
    if (compiled.variables.length) {
      // Bad variables are answered by graphql-js, in its words: clients and the REST adapter read them
      // (graphql-jit words some of them differently). Good ones graphql-jit coerces again, the same way.
      const coerced = getVariableValues(schema, compiled.variables, inputs, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    const result = compiled.query.query(undefined, contextValue, inputs);
    return result instanceof Promise ? result.then(withGraphQLErrors) : withGraphQLErrors(result);
  };
  const isCompiled = (document: DocumentNode, operationName?: string | null) => !!compiledDocuments.get(document)?.get(operationName ?? '');
  return Object.assign(run, { isCompiled });
}

/**
 * graphql-jit reports errors with its own GraphQLError: an instance of graphql-js's by prototype, but
 * built without graphql-js's constructor, so it may lack `extensions`, which Apollo's error formatting
 * reads unguarded. Each becomes the error graphql-js would have made: same message, locations, path and
 * originalError (the error a resolver threw, which the error masking classifies).
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  const errors = result.errors.map((e) => {
    if (e.constructor === GraphQLError) return e;
    const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
    (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
    return error;
  });
  return { ...result, errors };
}

/**
 * Apollo Server 4+ takes a custom executor only through its gateway interface (its migration guide's
 * replacement for the removed `executor` option); this "gateway" serves our own schema and nothing else.
 */
export function executorGateway(schema: GraphQLSchema, executor: Executor): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return {
        executor: async (request) =>
          executor({
            document: request.document,
            operationName: request.operationName ?? request.request.operationName,
            variableValues: request.request.variables,
            contextValue: request.context,
          }),
      };
    },
    async stop() {},
  };
}
