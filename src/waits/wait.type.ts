import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '../graphql/scalars';

export enum WaitType {
  otp = 'otp',
  magic_link = 'magic_link',
  message = 'message',
}
registerEnumType(WaitType, { name: 'WaitType', description: 'What to extract from the first matching message.' });

export enum WaitStatus {
  pending = 'pending',
  completed = 'completed',
  timed_out = 'timed_out',
  canceled = 'canceled',
}
registerEnumType(WaitStatus, { name: 'WaitStatus' });

@ObjectType({ simpleResolvers: true, description: 'What a completed wait extracted.' })
export class WaitResult {
  @Field(() => WaitType)
  type!: WaitType;

  @Field(() => String, { description: 'The OTP, the link, or (type message) the message id.' })
  value!: string;

  @Field(() => ID)
  messageId!: string;
}

@ObjectType({ simpleResolvers: true })
export class WaitFilters {
  @Field(() => String, { nullable: true, description: 'The sender must contain this (case-insensitive).' })
  from?: string;

  @Field(() => String, { nullable: true, description: 'The subject must contain this (case-insensitive).' })
  subjectContains?: string;

  @Field(() => String, { nullable: true, description: 'A recipient must contain this (case-insensitive); for catch-all inboxes.' })
  to?: string;

  @Field(() => String, { nullable: true, description: 'A regular expression the subject must match (a leading (?i) ignores case).' })
  subjectMatches?: string;

  @Field(() => String, { nullable: true, description: 'A regular expression the text or HTML body (as text) must match.' })
  bodyMatches?: string;

  @Field(() => String, { nullable: true, description: 'type otp: a regular expression with one capture group, the code; replaces the built-in extractor.' })
  pattern?: string;
}

@InputType()
export class WaitFiltersInput {
  @Field(() => String, { nullable: true })
  from?: string | null;

  @Field(() => String, { nullable: true })
  subjectContains?: string | null;

  @Field(() => String, { nullable: true })
  to?: string | null;

  @Field(() => String, { nullable: true })
  subjectMatches?: string | null;

  @Field(() => String, { nullable: true })
  bodyMatches?: string | null;

  @Field(() => String, { nullable: true })
  pattern?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Waiting for a message in an inbox, and what was extracted from it.' })
export class Wait {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  inboxId!: string;

  @Field(() => ID, { nullable: true })
  sessionId!: string | null;

  @Field(() => WaitType)
  type!: WaitType;

  @Field(() => WaitStatus)
  status!: WaitStatus;

  @Field(() => Int)
  timeoutSeconds!: number;

  @Field(() => WaitFilters)
  filters!: WaitFilters;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Messages received since then (before the wait was created) count too.' })
  since!: Date | null;

  @Field(() => WaitResult, { nullable: true })
  result!: WaitResult | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { description: 'When the wait times out if no matching message arrives.' })
  deadline!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  endedAt!: Date | null;
}

@InputType()
export class CreateWaitInput {
  @Field(() => ID)
  inboxId!: string;

  @Field(() => ID, { nullable: true, description: "Defaults to the inbox's session." })
  sessionId?: string | null;

  @Field(() => WaitType)
  type!: WaitType;

  @Field(() => Int, { nullable: true, description: '1 to 600, default 120.' })
  timeoutSeconds?: number | null;

  @Field(() => WaitFiltersInput, { nullable: true })
  filters?: WaitFiltersInput | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'At most 24 h back, not in the future: first match the messages already received since then, oldest first; then wait for new ones.',
  })
  since?: Date | null;
}
