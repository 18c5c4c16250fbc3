import { Field, InputType } from 'type-graphql';
import { JSONObjectScalar } from '../graphql/scalars';

@InputType()
export class CreateSessionInput {
  @Field(() => String, { description: 'A descriptive name, 1 to 200 characters.' })
  name!: string;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Your key-value pairs, a JSON object of at most 16 KB.' })
  metadata?: Record<string, unknown> | null;
}
