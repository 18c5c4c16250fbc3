import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { extractLinks } from '../extract/link';
import { extractCodes } from '../extract/otp';
import type { Context } from '../graphql/context';
import { AFTER_ARG, LIMIT_ARG, OFFSET_ARG } from '../graphql/page-args';
import { DeliverMessageInput } from './message.input';
import type { FileBody } from './message-files';
import { Message, MessageAttachment, MessageCode, MessageFile, MessageLink, MessagePage } from './message.type';

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

  @FieldResolver(() => [MessageAttachment], { description: 'Attachments and inline parts, in order.' })
  attachments(@Root() message: Message, @Ctx() ctx: Context): Promise<MessageAttachment[]> {
    return ctx.loaders.messageAttachments.load(message.id);
  }

  @FieldResolver(() => [MessageCode], { description: "Every OTP-like code, best first (the one an otp wait takes is marked best)." })
  codes(@Root() message: Message): MessageCode[] {
    return extractCodes(message);
  }

  @FieldResolver(() => [MessageLink], { description: 'Every http(s) link, in reading order (the one a magic_link wait takes is marked picked).' })
  links(@Root() message: Message): MessageLink[] {
    return extractLinks(message);
  }

  @Query(() => MessageFile, { description: "The message's source exactly as received (message/rfc822). REST streams it from /messages/{id}/raw." })
  messageSource(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<MessageFile> {
    return this.offer(ctx, ctx.services.messages.openSource(ctx.principal.ownerId, id));
  }

  @Query(() => MessageFile, { description: 'One attachment of a message. REST streams it from /messages/{id}/attachments/{attachmentId}.' })
  messageAttachment(@Ctx() ctx: Context, @Arg('messageId', () => ID) messageId: string, @Arg('attachmentId', () => ID) attachmentId: string): Promise<MessageFile> {
    return this.offer(ctx, ctx.services.messages.openAttachment(ctx.principal.ownerId, messageId, attachmentId));
  }

  /** The file's description for GraphQL; its bytes for the REST adapter (ctx.file), which streams them. */
  private async offer(ctx: Context, opening: Promise<FileBody>): Promise<MessageFile> {
    const file = await opening;
    ctx.file = file;
    return file;
  }
}

@Resolver(() => MessageFile)
export class MessageFileResolver {
  @FieldResolver(() => String, { description: 'The bytes, base64-encoded (read whole into memory: prefer the REST download for large files).' })
  async base64(@Root() file: MessageFile & { chunks?: FileBody['chunks'] }): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const chunk of file.chunks!()) parts.push(chunk);
    return Buffer.concat(parts).toString('base64');
  }
}
