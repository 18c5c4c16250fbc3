import type { SessionQuery } from '../gql/graphql';
import { messageHref } from '../lib/route';
import { formatAge, formatTimeLeft } from '../lib/time';
import { CopyButton, StatusBadge } from './common';
import { Link } from './navigation';

type Inbox = NonNullable<SessionQuery['session']>['inboxes'][number];

/** An inbox: its address (copyable), the TTL it has left and the mail it received. */
export function InboxCard(props: { inbox: Inbox; now: number; sessionId: string }) {
  const { inbox, now } = props;
  const titleId = `inbox-${inbox.id}`;
  return (
    <article className="card inbox" aria-labelledby={titleId}>
      <header>
        <h3 id={titleId} className="address">
          {inbox.emailAddress}
        </h3>
        <StatusBadge status={inbox.status} />
      </header>
      <div className="row">
        <CopyButton text={inbox.emailAddress} label={`Copy the address ${inbox.emailAddress}`} />
        <span>
          {inbox.status === 'active'
            ? `TTL: ${formatTimeLeft(inbox.expiresAt, now)}`
            : inbox.status === 'expired'
              ? `Expired ${formatAge(inbox.expiresAt, now)}`
              : 'Deleted: it receives no more mail'}
        </span>
      </div>
      {inbox.messages.length === 0 ? (
        <p className="empty">No mail yet. Send to this address over SMTP and it shows up here.</p>
      ) : (
        <ul className="messages" aria-label={`Messages received by ${inbox.emailAddress}`}>
          {inbox.messages.map((m) => (
            <li key={m.id}>
              <Link href={messageHref(m.id, props.sessionId)}>{m.subject || '(no subject)'}</Link>
              <span className="from">{m.from}</span>
              <time dateTime={m.receivedAt}>{formatAge(m.receivedAt, now)}</time>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
