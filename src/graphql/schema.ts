import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { EventResolver, SessionEventsResolver } from '../history/event.resolver';
import { InboxResolver } from '../inboxes/inbox.resolver';
import { MessageFileResolver, MessageResolver } from '../messages/message.resolver';
import { SessionResolver } from '../sessions/session.resolver';
import { WaitResolver } from '../waits/wait.resolver';

export const RESOLVERS = [SessionResolver, InboxResolver, MessageResolver, MessageFileResolver, WaitResolver, EventResolver, SessionEventsResolver] as const;

let schema: GraphQLSchema | undefined;

/**
 * TypeGraphQL insists on a PubSub once there are subscriptions. Ours have `subscribe` functions over
 * the event feed (history/event.resolver.ts); topics are not used, and this says so if one ever is.
 */
const NO_TOPICS = {
  publish: () => {
    throw new Error('subscriptions read the event feed; there are no pub/sub topics');
  },
  subscribe: () => {
    throw new Error('subscriptions read the event feed; there are no pub/sub topics');
  },
};

/**
 * The schema is the same for every app in a process, so it is built once.
 *
 * Every @ObjectType sets `simpleResolvers: true`: its plain fields are read straight off the object by
 * graphql-js's default resolver. Otherwise TypeGraphQL wraps each one in a resolver that runs
 * middlewares we do not have, a cost paid per field of every object of every response.
 */
export function getSchema(): GraphQLSchema {
  schema ??= buildSchemaSync({ resolvers: [...RESOLVERS], validate: false, pubSub: NO_TOPICS });
  return schema;
}

/** The SDL checked in as schema.graphql (sorted, so the diff of a change shows only the change). */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
