import type { components, operations } from './generated/openapi.js';

/**
 * Friendly names for the generated OpenAPI types (src/generated/openapi.ts, made from docs/openapi.yaml
 * by `npm run generate`). Every result the client returns is one of these, exactly as the server sends it.
 */
type Schemas = components['schemas'];
type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Session = Schemas['Session'];
export type SessionStatus = Schemas['SessionStatus'];
export type SessionListItem = Schemas['SessionListItem'];
export type SessionList = Schemas['SessionList'];
export type CreateSessionParams = Schemas['CreateSessionRequest'];
export type ListSessionsParams = QueryOf<'listSessions'>;
export type CompleteSessionResponse = Schemas['CompleteSessionResponse'];
export type FailSessionParams = Schemas['FailSessionRequest'];
export type FailSessionResponse = Schemas['FailSessionResponse'];
export type Timeline = Schemas['Timeline'];
export type TimelineEvent = Schemas['TimelineEvent'];
export type Replay = Schemas['Replay'];
export type ReplayStep = Schemas['ReplayStep'];

export type Inbox = Schemas['Inbox'];
export type InboxStatus = Schemas['InboxStatus'];
export type InboxList = Schemas['InboxList'];
export type CreateInboxParams = Schemas['CreateInboxRequest'];
export type ListInboxesParams = QueryOf<'listInboxes'>;

export type Message = Schemas['Message'];
export type MessageSummary = Schemas['MessageSummary'];
export type MessageList = Schemas['MessageList'];
export type DeliverMessageParams = Schemas['DeliverMessageRequest'];
export type ListMessagesParams = QueryOf<'listInboxMessages'>;

export type Wait = Schemas['Wait'];
export type WaitType = Schemas['WaitType'];
export type WaitStatus = Schemas['WaitStatus'];
export type WaitFilters = Schemas['WaitFilters'];
export type WaitResult = Schemas['WaitResult'];
export type CreateWaitParams = Schemas['CreateWaitRequest'];
export type GetWaitParams = QueryOf<'getWait'>;

export type Pagination = Schemas['Pagination'];
export type ErrorBody = Schemas['Error'];
export type Metadata = Schemas['Metadata'];
