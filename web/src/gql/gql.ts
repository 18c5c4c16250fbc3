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
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n": typeof types.SessionDocument,
    "\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n": typeof types.ReplayDocument,
    "\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n": typeof types.CompleteSessionDocument,
    "\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n": typeof types.FailSessionDocument,
    "\n  query Message($id: ID!) {\n    message(id: $id) { id inboxId from to subject receivedAt sizeBytes text html }\n  }\n": typeof types.MessageDocument,
};
const documents: Documents = {
    "\n  query WhoAmI {\n    sessions(limit: 1) {\n      pagination { total }\n    }\n  }\n": types.WhoAmIDocument,
    "\n  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {\n    sessions(status: $status, limit: $limit, offset: $offset) {\n      data { id name status createdAt failureReason inboxIds waitIds }\n      pagination { limit offset total }\n    }\n  }\n": types.SessionsDocument,
    "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n": types.SessionDocument,
    "\n  mutation Replay($id: ID!) {\n    replaySession(id: $id) {\n      steps { index action timestamp durationMs input output }\n    }\n  }\n": types.ReplayDocument,
    "\n  mutation CompleteSession($id: ID!) {\n    completeSession(id: $id) { id status completedAt updatedAt failureReason }\n  }\n": types.CompleteSessionDocument,
    "\n  mutation FailSession($id: ID!, $reason: String!) {\n    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }\n  }\n": types.FailSessionDocument,
    "\n  query Message($id: ID!) {\n    message(id: $id) { id inboxId from to subject receivedAt sizeBytes text html }\n  }\n": types.MessageDocument,
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
export function graphql(source: "\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Session($id: ID!) {\n    session(id: $id) {\n      id\n      name\n      status\n      metadata\n      failureReason\n      createdAt\n      updatedAt\n      completedAt\n      timeline { id type timestamp payload }\n      inboxes {\n        id\n        emailAddress\n        status\n        createdAt\n        expiresAt\n        messages { id from subject receivedAt }\n      }\n      waits {\n        id\n        type\n        status\n        inboxId\n        createdAt\n        deadline\n        endedAt\n        timeoutSeconds\n        filters { from subjectContains }\n        result { type value messageId }\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  query Message($id: ID!) {\n    message(id: $id) { id inboxId from to subject receivedAt sizeBytes text html }\n  }\n"): (typeof documents)["\n  query Message($id: ID!) {\n    message(id: $id) { id inboxId from to subject receivedAt sizeBytes text html }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;