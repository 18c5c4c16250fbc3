import type { SessionQuery } from '../gql/graphql';
import { messageHref } from '../lib/route';
import { formatAge, formatTimeLeft } from '../lib/time';
import { CopyButton, StatusBadge } from './common';
import { Link } from './navigation';

type Wait = NonNullable<SessionQuery['session']>['waits'][number];

/** Types the API may add later show under their own name. */
const TYPE_LABEL: Partial<Record<string, string>> = { otp: 'OTP', magic_link: 'Magic link', message: 'Message' };

/** A wait: type, status, what it extracted (large, with a copy button) and the time it has left. */
export function WaitCard(props: { wait: Wait; now: number; sessionId: string }) {
  const { wait, now } = props;
  const titleId = `wait-${wait.id}`;
  const filters = [wait.filters.from && `from contains "${wait.filters.from}"`, wait.filters.subjectContains && `subject contains "${wait.filters.subjectContains}"`].filter(Boolean);
  return (
    <article className={`card wait wait-${wait.status}`} aria-labelledby={titleId}>
      <header>
        <h3 id={titleId}>{TYPE_LABEL[wait.type] ?? wait.type} wait</h3>
        <StatusBadge status={wait.status} />
      </header>
      {wait.result && wait.result.type !== 'message' ? (
        <div className="extracted">
          <span className="label" id={`${titleId}-value`}>
            {wait.result.type === 'otp' ? 'Code' : 'Link'}
          </span>
          <output className={wait.result.type === 'otp' ? 'otp' : 'link'} aria-labelledby={`${titleId}-value`}>
            {wait.result.value}
          </output>
          <CopyButton text={wait.result.value} label={wait.result.type === 'otp' ? 'Copy the code' : 'Copy the link'} />
        </div>
      ) : null}
      <dl className="facts">
        {wait.status === 'pending' ? (
          <>
            <dt>Time left</dt>
            <dd>{formatTimeLeft(wait.deadline, now, 'timing out')}</dd>
          </>
        ) : wait.endedAt ? (
          <>
            <dt>Ended</dt>
            <dd>
              <time dateTime={wait.endedAt}>{formatAge(wait.endedAt, now)}</time>
            </dd>
          </>
        ) : null}
        <dt>Timeout</dt>
        <dd>{wait.timeoutSeconds} s</dd>
        {filters.length ? (
          <>
            <dt>Filters</dt>
            <dd>{filters.join(', ')}</dd>
          </>
        ) : null}
        {wait.result ? (
          <>
            <dt>Message</dt>
            <dd>
              <Link href={messageHref(wait.result.messageId, props.sessionId)}>Read the message</Link>
            </dd>
          </>
        ) : null}
      </dl>
    </article>
  );
}
