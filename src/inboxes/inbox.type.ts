import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Pagination } from '../graphql/pagination';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

export enum InboxStatus {
  active = 'active',
  expired = 'expired',
  deleted = 'deleted',
}
registerEnumType(InboxStatus, { name: 'InboxStatus', description: 'An inbox accepts mail while active, until expiresAt. Deleted inboxes are gone from reads.' });

/** What lists can filter on: deleted inboxes are gone from reads. */
export enum InboxStatusFilter {
  active = 'active',
  expired = 'expired',
}
registerEnumType(InboxStatusFilter, { name: 'InboxStatusFilter' });

@ObjectType({ simpleResolvers: true, description: 'A temporary email address that receives messages.' })
export class Inbox {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  emailAddress!: string;

  @Field(() => InboxStatus)
  status!: InboxStatus;

  @Field(() => ID, { nullable: true })
  sessionId!: string | null;

  @Field(() => JSONObjectScalar)
  metadata!: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class InboxPage {
  @Field(() => [Inbox])
  data!: Inbox[];

  @Field(() => Pagination)
  pagination!: Pagination;
}

@InputType()
export class CreateInboxInput {
  @Field(() => ID, { nullable: true, description: 'The session this inbox belongs to.' })
  sessionId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime in seconds, 1 to 604800, default 3600.' })
  ttlSeconds?: number | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  metadata?: Record<string, unknown> | null;
}
