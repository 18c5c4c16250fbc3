import { useEffect } from 'react';
import { useMutation } from 'urql';
import { ReplayMutation, SessionQuery } from '../api/documents';
import { useLiveQuery } from '../api/live';
import { sessionsHref } from '../lib/route';
import { formatAge } from '../lib/time';
import { useSignOut } from './App';
import { ErrorNotice, formatDateTime, Json, StatusBadge, useNow, useTitle } from './common';
import { InboxCard } from './InboxCard';
import { LiveStatus } from './LiveStatus';
import { Link } from './navigation';
import { SessionActions } from './SessionActions';
import { Timeline } from './Timeline';
import { WaitCard } from './WaitCard';
import { Waterfall } from './Waterfall';

/** One session, live: header and actions, waits (with the extracted code), inboxes, timeline and replay. */
export function SessionPage(props: { id: string }) {
  const now = useNow();
  const signOut = useSignOut();
  const [{ data, error, fetching }] = useLiveQuery(SessionQuery, { id: props.id }, (d) =>
    // Its events after the last one read (none is missed between the read and the subscription).
    d.session ? { session: d.session.id, after: d.session.timeline.at(-1)?.cursor } : null,
  );
  const [replay, runReplay] = useMutation(ReplayMutation);
  const session = data?.session;
  useTitle(session ? `${session.name} (${session.status})` : 'Session');
  // Every replay step comes with a timeline event: ask for the replay again only when the timeline grows.
  const eventCount = session?.timeline.length ?? -1;
  useEffect(() => {
    if (eventCount >= 0) void runReplay({ id: props.id });
  }, [eventCount, props.id, runReplay]);

  if (!session) {
    if (error) {
      return (
        <>
          <ErrorNotice error={error} what="This session" onSignOut={signOut} />
          <p>
            <Link href={sessionsHref()}>Back to sessions</Link>
          </p>
        </>
      );
    }
    return <p aria-live="polite">{fetching ? 'Loading the session…' : 'No session.'}</p>;
  }

  const metadataKeys = Object.keys(session.metadata);
  return (
    <article aria-labelledby="session-title" className="session">
      <p className="crumbs">
        <Link href={sessionsHref()}>Sessions</Link> / <span className="id">{session.id}</span>
      </p>
      {error ? <ErrorNotice error={error} what="This session" onSignOut={signOut} /> : null}
      <header className="session-head">
        <div>
          <h1 id="session-title">
            {session.name} <StatusBadge status={session.status} />
          </h1>
          <p className="meta-line">
            Created <time dateTime={session.createdAt} title={formatDateTime(session.createdAt)}>{formatAge(session.createdAt, now)}</time>
            {session.completedAt ? (
              <>
                {' · '}ended <time dateTime={session.completedAt}>{formatAge(session.completedAt, now)}</time>
              </>
            ) : null}
          </p>
          {session.status === 'active' ? <LiveStatus /> : null}
          {session.failureReason ? (
            <p className="failure">
              <strong>Failure reason:</strong> {session.failureReason}
            </p>
          ) : null}
        </div>
        <SessionActions id={session.id} status={session.status} />
      </header>
      {metadataKeys.length > 0 ? (
        <details className="metadata">
          <summary>Metadata ({metadataKeys.length} {metadataKeys.length === 1 ? 'key' : 'keys'})</summary>
          <Json value={session.metadata} label="Session metadata" />
        </details>
      ) : null}

      <div className="session-grid">
        <section aria-labelledby="waits-title">
          <h2 id="waits-title">Waits</h2>
          {session.waits.length === 0 ? (
            <p className="empty">No waits yet. Create one with <code>POST /api/v1/waits {'{"inboxId": …, "type": "otp"}'}</code>.</p>
          ) : (
            <ul className="cards">
              {session.waits.map((w) => (
                <li key={w.id}>
                  <WaitCard wait={w} now={now} sessionId={session.id} />
                </li>
              ))}
            </ul>
          )}
          <h2 id="inboxes-title">Inboxes</h2>
          {session.inboxes.length === 0 ? (
            <p className="empty">
              No inboxes yet. Create one with <code>POST /api/v1/inboxes {`{"sessionId": "${session.id}"}`}</code>.
            </p>
          ) : (
            <ul className="cards" aria-labelledby="inboxes-title">
              {session.inboxes.map((i) => (
                <li key={i.id}>
                  <InboxCard inbox={i} now={now} sessionId={session.id} />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <Timeline events={session.timeline} />
          <h2 id="replay-title">Replay</h2>
          {replay.error ? <ErrorNotice error={replay.error} what="The replay" onSignOut={signOut} /> : null}
          {replay.data ? <Waterfall steps={replay.data.replaySession.steps} /> : <p aria-live="polite">Loading the replay…</p>}
        </section>
      </div>
    </article>
  );
}
