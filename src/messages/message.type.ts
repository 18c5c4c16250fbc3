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
}

@ObjectType({ simpleResolvers: true })
export class MessagePage {
  @Field(() => [Message])
  data!: Message[];

  @Field(() => Pagination)
  pagination!: Pagination;
}
