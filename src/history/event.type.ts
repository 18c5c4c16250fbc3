import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONObjectScalar } from '../graphql/scalars';

@ObjectType({ simpleResolvers: true, description: 'One entry of a session timeline, in the order it happened.' })
export class TimelineEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Opaque position in the event feed: pass it as `after` to resume right after this event.' })
  cursor!: string;

  @Field(() => ID)
  sessionId!: string;

  @Field(() => DateTimeScalar)
  timestamp!: Date;

  @Field(() => String, { description: 'e.g. session.created, inbox.created, message.received, wait.completed' })
  type!: string;

  @Field(() => JSONObjectScalar)
  payload!: Record<string, unknown>;

  /** The feed position `cursor` encodes, and the owner (for fanning out to streams). Not GraphQL fields. */
  seq!: number;
  ownerId!: string;
}

@ObjectType({ simpleResolvers: true })
export class TimelineEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => TimelineEvent)
  node!: TimelineEvent;
}

@ObjectType({ simpleResolvers: true })
export class TimelinePageInfo {
  @Field(() => String, { nullable: true, description: 'The last edge’s cursor (null for an empty page): pass it as `after` for the next page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A page of a session timeline, oldest first (Relay connection).' })
export class TimelineEventConnection {
  @Field(() => [TimelineEventEdge])
  edges!: TimelineEventEdge[];

  @Field(() => TimelinePageInfo)
  pageInfo!: TimelinePageInfo;
}

/** Events that end a session: its streams complete after delivering one. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set(['session.completed', 'session.failed']);
