import { graphql } from '../gql';

/**
 * Every GraphQL operation the console runs: the public API only. `npm run web:codegen` types them
 * (web/src/gql, checked in).
 */

/** Checks a key at sign-in: the cheapest authenticated read. */
export const WhoAmIQuery = graphql(`
  query WhoAmI {
    sessions(limit: 1) {
      pagination { total }
    }
  }
`);

export const SessionsQuery = graphql(`
  query Sessions($status: SessionStatus, $limit: Int!, $offset: Int!) {
    sessions(status: $status, limit: $limit, offset: $offset) {
      data { id name status createdAt failureReason inboxIds waitIds }
      pagination { limit offset total }
    }
  }
`);

export const SessionQuery = graphql(`
  query Session($id: ID!) {
    session(id: $id) {
      id
      name
      status
      metadata
      failureReason
      createdAt
      updatedAt
      completedAt
      timeline { id type timestamp payload }
      inboxes {
        id
        emailAddress
        status
        createdAt
        expiresAt
        messages { id from subject receivedAt }
      }
      waits {
        id
        type
        status
        inboxId
        createdAt
        deadline
        endedAt
        timeoutSeconds
        filters { from subjectContains }
        result { type value messageId }
      }
    }
  }
`);

/** The replay is read through a mutation in the schema (it has no side effects). */
export const ReplayMutation = graphql(`
  mutation Replay($id: ID!) {
    replaySession(id: $id) {
      steps { index action timestamp durationMs input output }
    }
  }
`);

export const CompleteSessionMutation = graphql(`
  mutation CompleteSession($id: ID!) {
    completeSession(id: $id) { id status completedAt updatedAt failureReason }
  }
`);

export const FailSessionMutation = graphql(`
  mutation FailSession($id: ID!, $reason: String!) {
    failSession(id: $id, reason: $reason) { id status completedAt updatedAt failureReason }
  }
`);

export const MessageQuery = graphql(`
  query Message($id: ID!) {
    message(id: $id) { id inboxId from to subject receivedAt sizeBytes text html }
  }
`);
