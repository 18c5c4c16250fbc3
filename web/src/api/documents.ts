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
      timeline { id cursor type timestamp payload }
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
    message(id: $id) {
      id inboxId from to cc replyTo subject receivedAt sizeBytes text html messageId inReplyTo
      headers { name value }
      attachments { id filename contentType sizeBytes contentId }
      codes { value best part }
      links { url text picked }
    }
  }
`);

/** The source exactly as received, read when the reader opens the "Raw source" view. */
export const MessageSourceQuery = graphql(`
  query MessageSource($id: ID!) {
    messageSource(id: $id) { base64 contentType filename sizeBytes }
  }
`);

/** One attachment's bytes, read when the reader downloads it. */
export const MessageAttachmentQuery = graphql(`
  query MessageAttachment($messageId: ID!, $attachmentId: ID!) {
    messageAttachment(messageId: $messageId, attachmentId: $attachmentId) { base64 contentType filename sizeBytes }
  }
`);

/** A session's events after the last one read: the session page reads itself again on each. */
export const SessionEventsSubscription = graphql(`
  subscription SessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { cursor type sessionId }
  }
`);

/**
 * The events that change a row of the sessions list (a new session, a status, the inbox and wait
 * counts): the list reads itself again on each.
 */
export const EventsSubscription = graphql(`
  subscription Events($after: String) {
    events(after: $after, types: ["session.created", "session.completed", "session.failed", "inbox.created", "inbox.deleted", "wait.created"]) {
      cursor type sessionId
    }
  }
`);
