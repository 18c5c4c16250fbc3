import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import type { CombinedError } from 'urql';
import { MessageAttachmentQuery, MessageSourceQuery } from '../api/documents';
import type { MessageQuery as MessageData } from '../gql/graphql';
import { base64ToBytes, downloadName, formatBytes, sourceText } from '../lib/message';
import { useSignOut } from './App';
import { ErrorNotice } from './common';

type Message = NonNullable<MessageData['message']>;

/** Every header field as received, in order (folded away by default: a mail has dozens). */
export function AllHeaders(props: { headers: Message['headers'] }) {
  if (props.headers.length === 0) return null;
  return (
    <details className="all-headers">
      <summary>All headers ({props.headers.length})</summary>
      <table className="header-table" aria-label="Header fields as received">
        <tbody>
          {props.headers.map((h, i) => (
            <tr key={i}>
              <th scope="row">{h.name}</th>
              <td>{h.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Saves bytes under a name: a Blob, an object URL and a link with `download`, clicked for the reader. */
function saveBytes(base64: string, contentType: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([base64ToBytes(base64)], { type: contentType || 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL is kept a while for browsers that read it late.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The message's files: name, type and size, each downloaded through the public GraphQL API. */
export function Attachments(props: { messageId: string; attachments: Message['attachments'] }) {
  const client = useClient();
  const signOut = useSignOut();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  if (props.attachments.length === 0) return null;

  const download = async (a: Message['attachments'][number], name: string) => {
    setBusy(a.id);
    setError(null);
    const result = await client
      .query(MessageAttachmentQuery, { messageId: props.messageId, attachmentId: a.id }, { requestPolicy: 'network-only' })
      .toPromise();
    setBusy(null);
    const file = result.data?.messageAttachment;
    if (result.error || !file) return setError(result.error ?? null);
    saveBytes(file.base64, file.contentType, name);
  };

  return (
    <section aria-labelledby="attachments-title" className="attachments">
      <h2 id="attachments-title">Attachments ({props.attachments.length})</h2>
      {error ? <ErrorNotice error={error} what="This attachment" onSignOut={signOut} /> : null}
      <ul>
        {props.attachments.map((a, i) => {
          const name = downloadName(a.filename, `attachment-${i + 1}`);
          return (
            <li key={a.id}>
              <span className="file-name">{name}</span>
              <span className="file-meta">
                {a.contentType} · {formatBytes(a.sizeBytes)}
                {a.contentId ? ' · inline' : ''}
              </span>
              <button type="button" className="secondary" disabled={busy === a.id} onClick={() => void download(a, name)} aria-label={`Download ${name}`}>
                {busy === a.id ? 'Downloading…' : 'Download'}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The OTP-like codes and the links the gateway found, marked where a wait takes one. */
export function Findings(props: { codes: Message['codes']; links: Message['links'] }) {
  return (
    <section aria-labelledby="found-title" className="findings">
      <h2 id="found-title">Found in this message</h2>
      <h3 id="codes-title">Codes</h3>
      {props.codes.length === 0 ? (
        <p className="empty">No code-like values.</p>
      ) : (
        <ul aria-labelledby="codes-title" className="codes">
          {props.codes.map((c, i) => (
            <li key={i}>
              <code>{c.value}</code> <span className="file-meta">in the {c.part}</span>
              {c.best ? <span className="badge badge-completed">what an otp wait takes</span> : null}
            </li>
          ))}
        </ul>
      )}
      <h3 id="links-title">Links</h3>
      {props.links.length === 0 ? (
        <p className="empty">No links.</p>
      ) : (
        <ul aria-labelledby="links-title" className="links">
          {props.links.map((l, i) => (
            <li key={i}>
              {/^https?:\/\//i.test(l.url) ? (
                <a href={l.url} target="_blank" rel="noopener noreferrer nofollow">
                  {l.url}
                </a>
              ) : (
                <span>{l.url}</span>
              )}
              {l.text ? <span className="file-meta"> “{l.text}”</span> : null}
              {l.picked ? <span className="badge badge-completed">what a magic_link wait takes</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The source exactly as received, read only when this view is opened. */
export function RawSource(props: { messageId: string }) {
  const signOut = useSignOut();
  const [{ data, error, fetching }] = useQuery({ query: MessageSourceQuery, variables: { id: props.messageId } });
  if (error) return <ErrorNotice error={error} what="The raw source" onSignOut={signOut} />;
  if (!data) return <p aria-live="polite">{fetching ? 'Loading the raw source…' : 'No source.'}</p>;
  const file = data.messageSource;
  return (
    <>
      <p className="hint">
        {formatBytes(file.sizeBytes)} as received ·{' '}
        <button type="button" className="link-button" onClick={() => saveBytes(file.base64, file.contentType, downloadName(file.filename, 'message.eml'))}>
          Download .eml
        </button>
      </p>
      <pre className="mail-text raw-source" tabIndex={0} aria-label="Source of the message as received">
        {sourceText(file.base64)}
      </pre>
    </>
  );
}
