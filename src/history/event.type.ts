import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

@ObjectType({ simpleResolvers: true, description: 'One entry of a session timeline, in the order it happened.' })
export class TimelineEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  timestamp!: Date;

  @Field(() => String, { description: 'e.g. session.created, inbox.created, message.received, wait.completed' })
  type!: string;

  @Field(() => JSONObjectScalar)
  payload!: Record<string, unknown>;
}
