import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

@ObjectType({ description: 'A temporary email address that receives messages.' })
export class Inbox {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  emailAddress!: string;

  @Field(() => String, { description: 'active or expired' })
  status!: string;

  @Field(() => ID, { nullable: true })
  sessionId!: string | null;

  @Field(() => JSONObjectScalar)
  metadata!: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;
}
