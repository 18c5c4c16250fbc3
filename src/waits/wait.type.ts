import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

@ObjectType({ description: 'Waiting for a message in an inbox, and what was extracted from it.' })
export class Wait {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  inboxId!: string;

  @Field(() => ID, { nullable: true })
  sessionId!: string | null;

  @Field(() => String, { description: 'otp, magic_link or message' })
  type!: string;

  @Field(() => String, { description: 'pending, completed, timed_out or canceled' })
  status!: string;

  @Field(() => Int)
  timeoutSeconds!: number;

  @Field(() => JSONObjectScalar)
  filters!: Record<string, unknown>;

  @Field(() => JSONObjectScalar, { nullable: true })
  result!: Record<string, unknown> | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  deadline!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  endedAt!: Date | null;
}
