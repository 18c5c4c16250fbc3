import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { Context } from '../graphql/context';
import { BadUserInputError } from '../graphql/errors';
import { Session, SessionStatus } from '../sessions/session.type';
import { TimelineEvent, TimelineEventConnection } from './event.type';
import { MAX_EVENTS_PAGE } from './history.service';
import type { EventStream } from './event-stream';

type Subscribe<A> = SubscribeResolverData<unknown, A, Context>;

const NOT_HERE = 'Subscriptions are served over WebSocket (graphql-ws) at /graphql, or as SSE at /api/v1/sessions/{id}/events';

/** Subscriptions run only where a stream can live: graphql-ws and the SSE route set `context.stream`. */
function transportOf(context: Context) {
  if (!context.stream) throw new BadUserInputError(NOT_HERE);
  return context.stream;
}

/** The event a stream produced; none when the operation was run as a plain query (POST /graphql). */
function produced(event: TimelineEvent | undefined): TimelineEvent {
  if (!event) throw new BadUserInputError(NOT_HERE);
  return event;
}

async function sessionStream({ args, context }: Subscribe<{ sessionId: string; after?: string | null }>): Promise<EventStream> {
  const transport = transportOf(context);
  // NOT_FOUND for a missing session or another owner's, exactly as the query says.
  const session = await context.services.sessions.getWithChildren(context.principal.ownerId, args.sessionId, { inboxes: false, waits: false });
  const ended = session.status !== SessionStatus.active;
  return context.services.live.open(context.principal, transport, { sessionId: session.id }, args.after, ended);
}

async function ownerStream({ args, context }: Subscribe<{ after?: string | null; types?: string[] | null }>): Promise<EventStream> {
  const transport = transportOf(context);
  // Without a cursor an owner stream starts now: an owner's whole history is not a live view.
  const after = args.after ?? (await context.services.history.lastCursor());
  return context.services.live.open(context.principal, transport, { ownerId: context.principal.ownerId, types: args.types }, after);
}

@Resolver(() => TimelineEvent)
export class EventResolver {
  @Subscription(() => TimelineEvent, {
    subscribe: sessionStream as (data: SubscribeResolverData<any, any, any>) => Promise<EventStream>,
    description:
      "A session's events after `after` (from its first event without it), then live ones as they are committed; completes after session.completed or session.failed. NOT_FOUND for a session that is not yours.",
  })
  sessionEvents(
    @Root() event: TimelineEvent,
    @Arg('sessionId', () => ID) _sessionId: string,
    @Arg('after', () => String, { nullable: true, description: 'A cursor: resume right after that event.' }) _after?: string | null,
  ): TimelineEvent {
    return produced(event);
  }

  @Subscription(() => TimelineEvent, {
    subscribe: ownerStream as (data: SubscribeResolverData<any, any, any>) => Promise<EventStream>,
    description: "Events of all of your sessions after `after` (from now without it), optionally only some types: what a live sessions list needs.",
  })
  events(
    @Root() event: TimelineEvent,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types, e.g. ["session.completed","session.failed"].' }) _types?: string[] | null,
  ): TimelineEvent {
    return produced(event);
  }
}

@Resolver(() => Session)
export class SessionEventsResolver {
  @FieldResolver(() => TimelineEventConnection, { description: `The timeline a page at a time, oldest first (first: 1 to ${MAX_EVENTS_PAGE}).` })
  events(
    @Root() session: Session,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'A cursor (pageInfo.endCursor): the page starts right after it.' }) after?: string | null,
  ): Promise<TimelineEventConnection> {
    return ctx.services.history.page(session.id, { first: first ?? 50, after });
  }
}
