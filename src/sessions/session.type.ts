import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Pagination } from '../graphql/pagination';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';
import type { Inbox } from '../inboxes/inbox.type';
import type { Wait } from '../waits/wait.type';

export enum SessionStatus {
  active = 'active',
  completed = 'completed',
  failed = 'failed',
}
registerEnumType(SessionStatus, { name: 'SessionStatus', description: 'Sessions start active and end completed or failed.' });

@ObjectType({ simpleResolvers: true, description: 'One automated workflow, grouping the inboxes and waits it uses.' })
export class Session {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => SessionStatus)
  status!: SessionStatus;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  completedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the session failed; null unless status is failed.' })
  failureReason!: string | null;

  @Field(() => JSONObjectScalar)
  metadata!: Record<string, unknown>;
  // inboxes, waits and timeline are field resolvers (SessionResolver), batched per request.

  /**
   * Children read together with the session (by id, see SessionService.getWithChildren): its field
   * resolvers answer from these, synchronously, instead of asking a loader. Not a GraphQL field.
   */
  preloaded?: { inboxes?: Inbox[]; inboxIds?: string[]; waits?: Wait[]; waitIds?: string[] };
}

@ObjectType({ simpleResolvers: true })
export class SessionPage {
  @Field(() => [Session])
  data!: Session[];

  @Field(() => Pagination)
  pagination!: Pagination;
}
