import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
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
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset: number,
  ): Promise<MessagePage> {
    return ctx.services.messages.listForInbox(ctx.principal.ownerId, inboxId, { limit, offset });
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
