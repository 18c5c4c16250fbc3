import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Pagination } from '../graphql/pagination';
import { DateTimeScalar } from '../graphql/scalars';

@ObjectType({ simpleResolvers: true, description: 'An email received by an inbox, over SMTP or the HTTP delivery route.' })
export class Message {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  inboxId!: string;

  @Field(() => String)
  from!: string;

  @Field(() => [String])
  to!: string[];

  @Field(() => String)
  subject!: string;

  @Field(() => String, { nullable: true })
  text!: string | null;

  @Field(() => String, { nullable: true })
  html!: string | null;

  @Field(() => Int, { description: 'Size of the message as received, in bytes.' })
  sizeBytes!: number;

  @Field(() => DateTimeScalar)
  receivedAt!: Date;

  @Field(() => [String])
  cc!: string[];

  @Field(() => [String])
  replyTo!: string[];

  @Field(() => String, { nullable: true, description: 'The Message-ID header.' })
  messageId!: string | null;

  @Field(() => String, { nullable: true, description: 'The In-Reply-To header.' })
  inReplyTo!: string | null;

  @Field(() => [MessageHeader], { description: 'Every header field, in order; empty for a message delivered as parts.' })
  headers!: MessageHeader[];
}

@ObjectType({ simpleResolvers: true })
export class MessagePage {
  @Field(() => [Message])
  data!: Message[];

  @Field(() => Pagination)
  pagination!: Pagination;
}

@ObjectType({ simpleResolvers: true, description: 'A header field as received: unfolded, encoded words decoded.' })
export class MessageHeader {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A file attached to a message (inline images included).' })
export class MessageAttachment {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  filename!: string | null;

  @Field(() => String)
  contentType!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => String, { nullable: true, description: 'The Content-ID (without <>), for inline parts referenced as cid: in the HTML.' })
  contentId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'An OTP-like code found in a message.' })
export class MessageCode {
  @Field(() => String, { description: 'As a form wants it: group separators removed.' })
  value!: string;

  @Field(() => String, { description: 'Where it was found: text, html (read as text) or subject.' })
  part!: string;

  @Field(() => Int, { description: 'Offset in the part as the extractor reads it (HTML as text, blanks collapsed).' })
  start!: number;

  @Field(() => Int)
  end!: number;

  @Field(() => Boolean, { description: 'The code an otp wait takes from this message.' })
  best!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A link found in a message.' })
export class MessageLink {
  @Field(() => String)
  url!: string;

  @Field(() => String, { description: 'The anchor text, or for a written URL the words just before it.' })
  text!: string;

  @Field(() => Boolean, { description: 'The link a magic_link wait takes from this message.' })
  picked!: boolean;
}

@ObjectType({ simpleResolvers: true, description: "A message's raw source or one of its attachments, for download." })
export class MessageFile {
  @Field(() => String)
  contentType!: string;

  @Field(() => String)
  filename!: string;

  @Field(() => Int)
  sizeBytes!: number;
}
