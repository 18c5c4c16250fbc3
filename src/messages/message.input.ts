import { Field, InputType } from 'type-graphql';

@InputType({ description: 'A message to deliver: either `raw` (a whole RFC 822 message) or its parts.' })
export class DeliverMessageInput {
  @Field(() => String, { nullable: true, description: 'The complete message source (RFC 822 / MIME). Other fields are ignored when set.' })
  raw?: string | null;

  @Field(() => String, { nullable: true })
  from?: string | null;

  @Field(() => [String], { nullable: true })
  to?: string[] | null;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  text?: string | null;

  @Field(() => String, { nullable: true })
  html?: string | null;
}
