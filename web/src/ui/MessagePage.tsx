import { useState } from 'react';
import { useQuery } from 'urql';
import { MessageQuery } from '../api/documents';
import type { MessageQuery as MessageData } from '../gql/graphql';
import { addressRows } from '../lib/message';
import { messageHref, sessionHref, sessionsHref } from '../lib/route';
import { useSignOut } from './App';
import { ErrorNotice, formatDateTime, useTitle } from './common';
import { MailFrame } from './MailFrame';
import { AllHeaders, Attachments, Findings, RawSource } from './MessageParts';
import { Link } from './navigation';

type Message = NonNullable<MessageData['message']>;

/** The views a message offers, in tab order: HTML and text when it has them, its raw source always. */
type View = 'html' | 'text' | 'raw';

function viewsOf(m: Message): View[] {
  const views: View[] = [];
  if (m.html) views.push('html');
  if (m.text) views.push('text');
  views.push('raw');
  return views;
}

const VIEW_LABEL: Record<View, string> = { html: 'HTML', text: 'Text', raw: 'Raw source' };

/** The header lines shown above the body; the full list follows, folded. */
export function headerRows(m: Message): Array<[name: string, value: string]> {
  return [...addressRows(m), ['Received', formatDateTime(m.receivedAt)], ['Size', `${m.sizeBytes.toLocaleString()} bytes`]];
}

/**
 * One message: its headers, then its HTML (sandboxed, remote images off), text or raw source, its
 * attachments, and the codes and links found in it.
 */
export function MessagePage(props: { id: string; sessionId?: string | undefined }) {
  const signOut = useSignOut();
  const [{ data, error, fetching }] = useQuery({ query: MessageQuery, variables: { id: props.id } });
  const [chosen, setChosen] = useState<View | null>(null);
  const back = props.sessionId ? (
    <Link href={sessionHref(props.sessionId)}>Back to the session</Link>
  ) : (
    <Link href={sessionsHref()}>Back to sessions</Link>
  );
  const message = data?.message;
  useTitle(message ? message.subject || '(no subject)' : 'Message');
  if (!message) {
    return (
      <>
        {error ? <ErrorNotice error={error} what="This message" onSignOut={signOut} /> : <p aria-live="polite">{fetching ? 'Loading the message…' : 'No message.'}</p>}
        <p>{back}</p>
      </>
    );
  }
  const views = viewsOf(message);
  const view = chosen && views.includes(chosen) ? chosen : views[0];
  const selectView = (v: View) => setChosen(v);

  return (
    <article className="message" aria-labelledby="message-title">
      <p className="crumbs">{back}</p>
      <h1 id="message-title">{message.subject || '(no subject)'}</h1>
      <dl className="headers" aria-label="Headers">
        {headerRows(message).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <AllHeaders headers={message.headers} />
      {!message.html && !message.text ? <p className="empty">This message has no text or HTML body.</p> : null}
      {views.length > 1 ? (
        <div role="tablist" aria-label="Message body" className="tabs">
          {views.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              id={`tab-${v}`}
              aria-selected={v === view}
              aria-controls={`panel-${v}`}
              tabIndex={v === view ? 0 : -1}
              onClick={() => selectView(v)}
              onKeyDown={(e) => {
                if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
                const next = views[(views.indexOf(v) + (e.key === 'ArrowRight' ? 1 : views.length - 1)) % views.length]!;
                selectView(next);
                document.getElementById(`tab-${next}`)?.focus();
              }}
            >
              {VIEW_LABEL[v]}
            </button>
          ))}
        </div>
      ) : null}
      {view ? (
        <div role={views.length > 1 ? 'tabpanel' : undefined} id={`panel-${view}`} aria-labelledby={views.length > 1 ? `tab-${view}` : undefined} className="panel">
          {view === 'html' ? <MailFrame key={message.id} html={message.html!} /> : null}
          {view === 'text' ? (
            <pre className="mail-text" tabIndex={0} aria-label="Text body">
              {message.text}
            </pre>
          ) : null}
          {view === 'raw' ? <RawSource messageId={message.id} /> : null}
        </div>
      ) : null}
      <Attachments messageId={message.id} attachments={message.attachments} />
      <Findings codes={message.codes} links={message.links} />
      <p className="hint">
        Permalink: <a href={messageHref(message.id)}>{messageHref(message.id)}</a>
      </p>
    </article>
  );
}
