import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { AFTER_ARG, LIMIT_ARG, OFFSET_ARG } from '../graphql/page-args';
import { Message } from '../messages/message.type';
import { Wait } from '../waits/wait.type';
import { CreateInboxInput, Inbox, InboxPage, InboxStatusFilter } from './inbox.type';
import { pageArgs } from '../graphql/pagination';
import { inboxPageKey } from '../messages/message.service';

@Resolver(() => Inbox)
export class InboxResolver {
  @Query(() => InboxPage, { description: 'Your inboxes, newest first (deleted ones excluded).' })
  inboxes(
    @Ctx() ctx: Context,
    @Arg('status', () => InboxStatusFilter, { nullable: true }) status: InboxStatusFilter | null,
    @Arg(...LIMIT_ARG) limit: number,
    @Arg(...OFFSET_ARG) offset: number | null,
    @Arg(...AFTER_ARG) after: string | null,
  ): Promise<InboxPage> {
    return ctx.services.inboxes.list(ctx.principal.ownerId, { status, limit, offset, after });
  }

  @Query(() => Inbox, { nullable: true, description: 'An inbox by id; NOT_FOUND when it does not exist or is not yours.' })
  inbox(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Inbox> {
    return ctx.services.inboxes.get(ctx.principal.ownerId, id);
  }

  @Mutation(() => Inbox)
  createInbox(@Ctx() ctx: Context, @Arg('input', () => CreateInboxInput, { defaultValue: {} }) input: CreateInboxInput): Promise<Inbox> {
    return ctx.services.inboxes.create(ctx.principal.ownerId, input);
  }

  @Mutation(() => Inbox, { description: 'Stops the inbox receiving mail and cancels its pending waits.' })
  deleteInbox(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Inbox> {
    return ctx.services.inboxes.delete(ctx.principal.ownerId, id);
  }

  @FieldResolver(() => [Message], { description: 'Messages received, oldest first, a page at a time (as `inboxMessages`).' })
  messages(
    @Root() inbox: Inbox,
    @Ctx() ctx: Context,
    @Arg('limit', () => Int, { defaultValue: 20, description: '1 to 100' }) limit: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset: number,
  ): Promise<Message[]> {
    return ctx.loaders.inboxMessages.load(inboxPageKey(inbox.id, pageArgs({ limit, offset })));
  }

  @FieldResolver(() => [Wait])
  waits(@Root() inbox: Inbox, @Ctx() ctx: Context): Promise<Wait[]> {
    return ctx.loaders.inboxWaits.load(inbox.id);
  }
}
