import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { InboxResolver } from '../inboxes/inbox.resolver';
import { MessageFileResolver, MessageResolver } from '../messages/message.resolver';
import { SessionResolver } from '../sessions/session.resolver';
import { WaitResolver } from '../waits/wait.resolver';

export const RESOLVERS = [SessionResolver, InboxResolver, MessageResolver, MessageFileResolver, WaitResolver] as const;

let schema: GraphQLSchema | undefined;

/**
 * The schema is the same for every app in a process, so it is built once.
 *
 * Every @ObjectType sets `simpleResolvers: true`: its plain fields are read straight off the object by
 * graphql-js's default resolver. Otherwise TypeGraphQL wraps each one in a resolver that runs
 * middlewares we do not have, a cost paid per field of every object of every response.
 */
export function getSchema(): GraphQLSchema {
  schema ??= buildSchemaSync({ resolvers: [...RESOLVERS], validate: false });
  return schema;
}

/** The SDL checked in as schema.graphql (sorted, so the diff of a change shows only the change). */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
