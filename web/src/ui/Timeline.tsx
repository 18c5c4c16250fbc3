import type { SessionQuery } from '../gql/graphql';
import { summarizePayload } from '../lib/timeline';
import { formatClock } from './common';

type Event = NonNullable<SessionQuery['session']>['timeline'][number];

/** The session's events in the order they happened (the live query brings new ones). */
export function Timeline(props: { events: readonly Event[] }) {
  if (props.events.length === 0) return <p className="empty">No events yet.</p>;
  return (
    <ol className="timeline" aria-label="Timeline events, oldest first" aria-live="polite">
      {props.events.map((e) => (
        <li key={e.id} data-type={e.type}>
          <time dateTime={e.timestamp}>{formatClock(e.timestamp)}</time>
          <span className="event-type">{e.type}</span>
          <span className="event-payload">{summarizePayload(e.payload)}</span>
        </li>
      ))}
    </ol>
  );
}
