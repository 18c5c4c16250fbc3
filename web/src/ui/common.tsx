import { useEffect, useState } from 'react';
import type { CombinedError } from 'urql';
import { errorToWords } from '../lib/errors';

/** The current time, ticking every `everyMs`: ages and time-left labels count without refetching. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** The tab's title follows the page (screen readers announce it; history entries are told apart). */
export function useTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · sessions-gateway console` : 'sessions-gateway console';
  }, [title]);
}

const STATUS_LABEL: Record<string, string> = { timed_out: 'timed out' };

/** A status as colour plus text (never colour alone). */
export function StatusBadge(props: { status: string }) {
  return <span className={`badge badge-${props.status}`}>{STATUS_LABEL[props.status] ?? props.status}</span>;
}

/** Copies `text`; the button says "Copied" for a moment (announced: it is the button's own label). */
export function CopyButton(props: { text: string; label: string; className?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <button type="button" className={`copy ${props.className ?? ''}`} onClick={copy} aria-label={state === 'idle' ? props.label : undefined}>
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text' : 'Copy'}</span>
    </button>
  );
}

/** An API error in words (see lib/errors.ts), with a way out when the key is the problem. */
export function ErrorNotice(props: { error: CombinedError; what?: string; onSignOut?: () => void }) {
  const words = errorToWords(props.error, props.what);
  return (
    <div className={`notice notice-error notice-${words.kind}`} role="alert">
      <p className="notice-title">{words.title}</p>
      <p>{words.detail}</p>
      {words.kind === 'unauthenticated' && props.onSignOut ? (
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      ) : null}
    </div>
  );
}

export function Json(props: { value: unknown; label: string }) {
  return (
    <pre className="json" tabIndex={0} aria-label={props.label}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

export function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}
