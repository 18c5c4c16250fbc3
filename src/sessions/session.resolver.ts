import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { AFTER_ARG, LIMIT_ARG, OFFSET_ARG } from '../graphql/page-args';
import { selectedFields } from '../graphql/selection';
import { slicedList } from '../graphql/sliced-list';
import { TimelineEvent } from '../history/event.type';
import { Replay } from '../history/replay.type';
import { Inbox } from '../inboxes/inbox.type';
import { Wait } from '../waits/wait.type';
import { CreateSessionInput } from './session.input';
import { Session, SessionPage, SessionStatus } from './session.type';

@Resolver(() => Session)
export class SessionResolver {
  @Query(() => SessionPage, { description: 'Your sessions, newest first.' })
  sessions(
    @Ctx() ctx: Context,
    @Arg('status', () => SessionStatus, { nullable: true }) status: SessionStatus | null,
    @Arg(...LIMIT_ARG) limit: number,
    @Arg(...OFFSET_ARG) offset: number | null,
    @Arg(...AFTER_ARG) after: string | null,
  ): Promise<SessionPage> {
    return ctx.services.sessions.list(ctx.principal.ownerId, { status, limit, offset, after });
  }

  @Query(() => Session, { nullable: true, description: 'A session by id; NOT_FOUND when it does not exist or is not yours.' })
  async session(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Info() info: GraphQLResolveInfo): Promise<Session> {
    // The inboxes and waits asked for come in the same call (session.preloaded, read by the field resolvers).
    const fields = selectedFields(info);
    return ctx.services.sessions.getWithChildren(ctx.principal.ownerId, id, {
      inboxes: fields.has('inboxes') ? 'rows' : fields.has('inboxIds') && 'ids',
      waits: fields.has('waits') ? 'rows' : fields.has('waitIds') && 'ids',
    });
  }

  @Mutation(() => Session)
  createSession(@Ctx() ctx: Context, @Arg('input', () => CreateSessionInput) input: CreateSessionInput): Promise<Session> {
    return ctx.services.sessions.create(ctx.principal.ownerId, input);
  }

  @Mutation(() => Session, { description: 'active → completed. Idempotent; CONFLICT when the session failed.' })
  completeSession(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Session> {
    return ctx.services.sessions.complete(ctx.principal.ownerId, id);
  }

  @Mutation(() => Session, { description: 'active → failed, keeping the reason. CONFLICT when the session completed.' })
  failSession(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<Session> {
    return ctx.services.sessions.fail(ctx.principal.ownerId, id, reason);
  }

  @Mutation(() => Replay, { description: "The session's recorded steps, in order, with inputs, outputs and durations." })
  replaySession(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Replay> {
    return ctx.services.sessions.replay(ctx.principal.ownerId, id);
  }

  @FieldResolver(() => [Inbox])
  inboxes(@Root() session: Session, @Ctx() ctx: Context): Inbox[] | Promise<Inbox[]> {
    return session.preloaded?.inboxes ?? ctx.loaders.sessionInboxes.load(session.id);
  }

  @FieldResolver(() => [ID], { description: "The ids of `inboxes`, in the same order: all REST's session body lists." })
  inboxIds(@Root() session: Session, @Ctx() ctx: Context): string[] | Promise<string[]> {
    return session.preloaded?.inboxIds ?? ctx.loaders.sessionInboxIds.load(session.id);
  }

  @FieldResolver(() => [Wait])
  waits(@Root() session: Session, @Ctx() ctx: Context): Wait[] | Promise<Wait[]> {
    return session.preloaded?.waits ?? ctx.loaders.sessionWaits.load(session.id);
  }

  @FieldResolver(() => [ID], { description: "The ids of `waits`, in the same order: all REST's session body lists." })
  waitIds(@Root() session: Session, @Ctx() ctx: Context): string[] | Promise<string[]> {
    return session.preloaded?.waitIds ?? ctx.loaders.sessionWaitIds.load(session.id);
  }

  @FieldResolver(() => [TimelineEvent], {
    description:
      'Every event of the session, in the order it happened. Read 1,000 and completed 500 at a time, so a long timeline does not hold the server up; for long timelines prefer `events`, a page at a time.',
  })
  async timeline(@Root() session: Session, @Ctx() ctx: Context): Promise<(TimelineEvent | Promise<TimelineEvent>)[]> {
    return slicedList(await ctx.loaders.sessionTimeline.load(session.id));
  }
}
