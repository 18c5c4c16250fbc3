import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { InboxResolver } from '../inboxes/inbox.resolver';
import { MessageResolver } from '../messages/message.resolver';
import { SessionResolver } from '../sessions/session.resolver';
import { WaitResolver } from '../waits/wait.resolver';

export const RESOLVERS = [SessionResolver, InboxResolver, MessageResolver, WaitResolver] as const;

let schema: GraphQLSchema | undefined;

/** The schema is the same for every app in a process, so it is built once. */
export function getSchema(): GraphQLSchema {
  schema ??= buildSchemaSync({ resolvers: [...RESOLVERS], validate: false });
  return schema;
}

/** The SDL checked in as schema.graphql (sorted, so the diff of a change shows only the change). */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
