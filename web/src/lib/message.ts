/** Pure helpers of the message page (tested in test/web/console-logic.test.ts). */

/** A size in words: bytes up to 1 KiB, then KB / MB with one decimal (1024-based, as files are counted). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The bytes of a base64 string (what messageSource and messageAttachment give). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A message's source as text to read: UTF-8 where it is, U+FFFD where it is not (a source is mostly
 * 7-bit ASCII; 8-bit parts in another charset show as replacement characters rather than failing).
 */
export function sourceText(base64: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(base64ToBytes(base64));
}

export interface Addressing {
  from: string;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  messageId?: string | null | undefined;
  inReplyTo?: string | null | undefined;
}

/** The header lines shown above the body: the ones a reader looks for, each only when the mail has it. */
export function addressRows(m: Addressing): Array<[name: string, value: string]> {
  const rows: Array<[string, string]> = [['From', m.from], ['To', m.to.join(', ')]];
  if (m.cc.length) rows.push(['Cc', m.cc.join(', ')]);
  if (m.replyTo.length) rows.push(['Reply-To', m.replyTo.join(', ')]);
  rows.push(['Subject', m.subject || '(no subject)']);
  if (m.messageId) rows.push(['Message-ID', m.messageId]);
  if (m.inReplyTo) rows.push(['In-Reply-To', m.inReplyTo]);
  return rows;
}

/** A file name safe to offer for saving: no path, no control characters, never empty. */
export function downloadName(filename: string | null | undefined, fallback: string): string {
  const base = (filename ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean || fallback;
}
