import { Field, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

@ObjectType({ simpleResolvers: true, description: 'One recorded action of a session, with what went in, what came out and how long it took.' })
export class ReplayStep {
  @Field(() => Int)
  index!: number;

  @Field(() => DateTimeScalar)
  timestamp!: Date;

  @Field(() => String, { description: 'e.g. create_inbox, create_wait, deliver_message, complete_session' })
  action!: string;

  @Field(() => JSONObjectScalar)
  input!: Record<string, unknown>;

  @Field(() => JSONObjectScalar)
  output!: Record<string, unknown>;

  @Field(() => Int)
  durationMs!: number;
}

@ObjectType({ simpleResolvers: true })
export class Replay {
  @Field(() => [ReplayStep])
  steps!: ReplayStep[];
}
