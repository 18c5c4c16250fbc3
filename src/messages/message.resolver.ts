import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { AFTER_ARG, LIMIT_ARG, OFFSET_ARG } from '../graphql/page-args';
import { DeliverMessageInput } from './message.input';
import { Message, MessagePage } from './message.type';

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => Message, { nullable: true, description: 'A message with its bodies; NOT_FOUND when it is not yours.' })
  message(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Message> {
    return ctx.services.messages.get(ctx.principal.ownerId, id);
  }

  @Query(() => MessagePage, { description: 'The messages of an inbox, newest first.' })
  inboxMessages(
    @Ctx() ctx: Context,
    @Arg('inboxId', () => ID) inboxId: string,
    @Arg(...LIMIT_ARG) limit: number,
    @Arg(...OFFSET_ARG) offset: number | null,
    @Arg(...AFTER_ARG) after: string | null,
  ): Promise<MessagePage> {
    return ctx.services.messages.listForInbox(ctx.principal.ownerId, inboxId, { limit, offset, after });
  }

  @Mutation(() => Message, { description: "Delivers a message to an inbox over HTTP (providers' inbound webhooks, tests)." })
  deliverMessage(
    @Ctx() ctx: Context,
    @Arg('inboxId', () => ID) inboxId: string,
    @Arg('input', () => DeliverMessageInput) input: DeliverMessageInput,
  ): Promise<Message> {
    return ctx.services.messages.deliver(ctx.principal.ownerId, inboxId, input);
  }
}
