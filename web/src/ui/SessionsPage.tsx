import { useState } from 'react';
import { SessionsQuery } from '../api/documents';
import { type LiveFeed, useLiveQuery } from '../api/live';
import type { SessionStatus } from '../gql/graphql';
import { pageLabel } from '../lib/paging';
import { sessionHref } from '../lib/route';
import { formatAge } from '../lib/time';
import { useSignOut } from './App';
import { ErrorNotice, StatusBadge, useNow, useTitle } from './common';
import { LiveStatus } from './LiveStatus';
import { Link } from './navigation';

const PAGE_SIZE = 20;
const STATUSES: SessionStatus[] = ['active', 'completed', 'failed'];
/** The list is read again when any of your sessions changes. */
const ALL_SESSIONS = (): LiveFeed => ({ allSessions: true });

/** Your sessions, newest first, live: a new session appears without reloading. */
export function SessionsPage() {
  const [status, setStatus] = useState<SessionStatus | ''>('');
  const [offset, setOffset] = useState(0);
  const now = useNow();
  const signOut = useSignOut();
  useTitle('Sessions');
  const [{ data, error, fetching }] = useLiveQuery(SessionsQuery, { status: status || null, limit: PAGE_SIZE, offset }, ALL_SESSIONS);
  const page = data?.sessions;
  const total = page?.pagination.total ?? 0;

  return (
    <section aria-labelledby="sessions-title">
      <div className="page-head">
        <h1 id="sessions-title">Sessions</h1>
        <LiveStatus />
        <label className="inline-field">
          Status
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as SessionStatus | '');
              setOffset(0);
            }}
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <ErrorNotice error={error} what="The session list" onSignOut={signOut} /> : null}
      {!page && fetching ? <p aria-live="polite">Loading sessions…</p> : null}
      {page && page.data.length === 0 ? <EmptySessions filtered={status !== '' || offset > 0} /> : null}
      {page && page.data.length > 0 ? (
        <>
          <table className="sessions">
            <caption className="visually-hidden">Sessions, newest first, updated live</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Age</th>
                <th scope="col">Inboxes</th>
                <th scope="col">Waits</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <Link href={sessionHref(s.id)}>{s.name}</Link>
                    <span className="id">{s.id}</span>
                    {s.failureReason ? <span className="reason">{s.failureReason}</span> : null}
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={s.status} />
                  </td>
                  <td data-label="Age">
                    <time dateTime={s.createdAt}>{formatAge(s.createdAt, now)}</time>
                  </td>
                  <td data-label="Inboxes">{s.inboxIds.length}</td>
                  <td data-label="Waits">{s.waitIds.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Previous
            </button>
            <span aria-live="polite">{pageLabel(offset, page.data.length, total)}</span>
            <button type="button" className="secondary" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}

function EmptySessions(props: { filtered: boolean }) {
  if (props.filtered) return <p className="empty">No sessions match this filter. Choose "All" to see every session.</p>;
  return (
    <div className="empty">
      <p>No sessions yet. Create one and it appears here at once:</p>
      <pre tabIndex={0} aria-label="Example request">{`curl -X POST ${location.origin}/api/v1/sessions \\
  -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
  -d '{"name": "user-signup-flow"}'`}</pre>
      <p>
        or run <code>{'mutation { createSession(input: { name: "user-signup-flow" }) { id } }'}</code> in the{' '}
        <a href="/graphql">GraphQL IDE</a>.
      </p>
    </div>
  );
}
