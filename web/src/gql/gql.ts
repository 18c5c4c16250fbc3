/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query WhoAmI {\n    sessions(limit: 1) {\n      pagination { total }\n    }\n  }\n": typeof types.WhoAmIDocument,
    "\n  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {\n    sessions(status: $status, limit: $limit, offset: $offset) {\n      data { id name status createdAt failureReason inboxIds waitIds }\n      pagination { limit offset total }\n    }\n  }\n": typeof types.SessionsDocument,
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id cursor type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n": typeof types.SessionDocument,
    "\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n": typeof types.ReplayDocument,
    "\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n": typeof types.CompleteSessionDocument,
    "\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n": typeof types.FailSessionDocument,
    "\n  query Message($id: ID!) {\n    message(id: $id) {\n      id inboxId from to cc replyTo subject receivedAt sizeBytes text html messageId inReplyTo\n      headers { name value }\n      attachments { id filename contentType sizeBytes contentId }\n      codes { value best part }\n      links { url text picked }\n    }\n  }\n": typeof types.MessageDocument,
    "\n  query MessageSource($id: ID!) {\n    messageSource(id: $id) { base64 contentType filename sizeBytes }\n  }\n": typeof types.MessageSourceDocument,
    "\n  query MessageAttachment($messageId: ID!, $attachmentId: ID!) {\n    messageAttachment(messageId: $messageId, attachmentId: $attachmentId) { base64 contentType filename sizeBytes }\n  }\n": typeof types.MessageAttachmentDocument,
    "\n  subscription SessionEvents($sessionId: ID!, $after: String) {\n    sessionEvents(sessionId: $sessionId, after: $after) { cursor type sessionId }\n  }\n": typeof types.SessionEventsDocument,
    "\n  subscription Events($after: String) {\n    events(after: $after, types: [\"session.created\", \"session.completed\", \"session.failed\", \"inbox.created\", \"inbox.deleted\", \"wait.created\"]) {\n      cursor type sessionId\n    }\n  }\n": typeof types.EventsDocument,
};
const documents: Documents = {
    "\n  query WhoAmI {\n    sessions(limit: 1) {\n      pagination { total }\n    }\n  }\n": types.WhoAmIDocument,
    "\n  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {\n    sessions(status: $status, limit: $limit, offset: $offset) {\n      data { id name status createdAt failureReason inboxIds waitIds }\n      pagination { limit offset total }\n    }\n  }\n": types.SessionsDocument,
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id cursor type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n": types.SessionDocument,
    "\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n": types.ReplayDocument,
    "\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n": types.CompleteSessionDocument,
    "\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n": types.FailSessionDocument,
    "\n  query Message($id: ID!) {\n    message(id: $id) {\n      id inboxId from to cc replyTo subject receivedAt sizeBytes text html messageId inReplyTo\n      headers { name value }\n      attachments { id filename contentType sizeBytes contentId }\n      codes { value best part }\n      links { url text picked }\n    }\n  }\n": types.MessageDocument,
    "\n  query MessageSource($id: ID!) {\n    messageSource(id: $id) { base64 contentType filename sizeBytes }\n  }\n": types.MessageSourceDocument,
    "\n  query MessageAttachment($messageId: ID!, $attachmentId: ID!) {\n    messageAttachment(messageId: $messageId, attachmentId: $attachmentId) { base64 contentType filename sizeBytes }\n  }\n": types.MessageAttachmentDocument,
    "\n  subscription SessionEvents($sessionId: ID!, $after: String) {\n    sessionEvents(sessionId: $sessionId, after: $after) { cursor type sessionId }\n  }\n": types.SessionEventsDocument,
    "\n  subscription Events($after: String) {\n    events(after: $after, types: [\"session.created\", \"session.completed\", \"session.failed\", \"inbox.created\", \"inbox.deleted\", \"wait.created\"]) {\n      cursor type sessionId\n    }\n  }\n": types.EventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WhoAmI {\n    sessions(limit: 1) {\n      pagination { total }\n    }\n  }\n"): (typeof documents)["\n  query WhoAmI {\n    sessions(limit: 1) {\n      pagination { total }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {\n    sessions(status: $status, limit: $limit, offset: $offset) {\n      data { id name status createdAt failureReason inboxIds waitIds }\n      pagination { limit offset total }\n    }\n  }\n"): (typeof documents)["\n  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {\n    sessions(status: $status, limit: $limit, offset: $offset) {\n      data { id name status createdAt failureReason inboxIds waitIds }\n      pagination { limit offset total }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id cursor type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id cursor type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n"): (typeof documents)["\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n"): (typeof documents)["\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n"): (typeof documents)["\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Message($id: ID!) {\n    message(id: $id) {\n      id inboxId from to cc replyTo subject receivedAt sizeBytes text html messageId inReplyTo\n      headers { name value }\n      attachments { id filename contentType sizeBytes contentId }\n      codes { value best part }\n      links { url text picked }\n    }\n  }\n"): (typeof documents)["\n  query Message($id: ID!) {\n    message(id: $id) {\n      id inboxId from to cc replyTo subject receivedAt sizeBytes text html messageId inReplyTo\n      headers { name value }\n      attachments { id filename contentType sizeBytes contentId }\n      codes { value best part }\n      links { url text picked }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MessageSource($id: ID!) {\n    messageSource(id: $id) { base64 contentType filename sizeBytes }\n  }\n"): (typeof documents)["\n  query MessageSource($id: ID!) {\n    messageSource(id: $id) { base64 contentType filename sizeBytes }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MessageAttachment($messageId: ID!, $attachmentId: ID!) {\n    messageAttachment(messageId: $messageId, attachmentId: $attachmentId) { base64 contentType filename sizeBytes }\n  }\n"): (typeof documents)["\n  query MessageAttachment($messageId: ID!, $attachmentId: ID!) {\n    messageAttachment(messageId: $messageId, attachmentId: $attachmentId) { base64 contentType filename sizeBytes }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SessionEvents($sessionId: ID!, $after: String) {\n    sessionEvents(sessionId: $sessionId, after: $after) { cursor type sessionId }\n  }\n"): (typeof documents)["\n  subscription SessionEvents($sessionId: ID!, $after: String) {\n    sessionEvents(sessionId: $sessionId, after: $after) { cursor type sessionId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Events($after: String) {\n    events(after: $after, types: [\"session.created\", \"session.completed\", \"session.failed\", \"inbox.created\", \"inbox.deleted\", \"wait.created\"]) {\n      cursor type sessionId\n    }\n  }\n"): (typeof documents)["\n  subscription Events($after: String) {\n    events(after: $after, types: [\"session.created\", \"session.completed\", \"session.failed\", \"inbox.created\", \"inbox.deleted\", \"wait.created\"]) {\n      cursor type sessionId\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;