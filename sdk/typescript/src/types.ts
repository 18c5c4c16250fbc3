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
/** A timeline event with its cursor (paged timeline, event stream). */
export type CursorEvent = Schemas['CursorEvent'];
/** One page of a timeline: pass `next` as `after` for the next page (null on the last). */
export type TimelinePage = Schemas['TimelinePage'];
/** Paging a timeline: `limit` events (1 to 500, default 50) after the cursor `after`. */
export type TimelinePageParams = QueryOf<'getSessionTimeline'>;
/** An event of the live stream (GET /sessions/{id}/events): the SSE `data:` with the `id:` as `cursor`. */
export type SessionEvent = CursorEvent;
export type Replay = Schemas['Replay'];
export type ReplayStep = Schemas['ReplayStep'];

export type Inbox = Schemas['Inbox'];
export type InboxStatus = Schemas['InboxStatus'];
export type InboxList = Schemas['InboxList'];
export type CreateInboxParams = Schemas['CreateInboxRequest'];
export type ListInboxesParams = QueryOf<'listInboxes'>;

export type Message = Schemas['Message'];
export type MessageHeader = Message['headers'][number];
export type MessageAttachment = Message['attachments'][number];
export type MessageCode = Message['codes'][number];
export type MessageLink = Message['links'][number];
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

/** A downloaded attachment: its bytes, content type and file name (from Content-Disposition). */
export interface AttachmentFile {
  data: Uint8Array;
  contentType: string;
  filename: string | null;
}

export type Pagination = Schemas['Pagination'];
export type ErrorBody = Schemas['Error'];
export type Metadata = Schemas['Metadata'];
