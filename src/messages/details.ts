import type { ParsedMail } from 'mailparser';
import { storable } from '../common/validate';
import { addresses } from './parse';

/**
 * What a message carries besides its bodies: every header in order, the other address fields, the
 * thread ids, its attachments and its source. Kept apart from the body parsing in parse.ts.
 */
export interface MailDetails {
  /** Header fields in order, unfolded, encoded words decoded: [name, value]. */
  headers: Array<[string, string]>;
  cc: string[];
  replyTo: string[];
  messageId: string | null;
  inReplyTo: string | null;
  attachments: IncomingAttachment[];
  /** The message exactly as received, in the blocks it is stored as (null when it was delivered as parts over HTTP). */
  raw: Uint8Array<ArrayBuffer>[] | null;
}

export interface IncomingAttachment {
  filename: string | null;
  contentType: string;
  contentId: string | null;
  content: Buffer;
}

export const NO_DETAILS: MailDetails = { headers: [], cc: [], replyTo: [], messageId: null, inReplyTo: null, attachments: [], raw: null };

/** A header line as sent: 8-bit headers are UTF-8 in practice (RFC 6532); anything else stays Latin-1. */
function headerText(line: string): string {
  const utf8 = Buffer.from(line, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? line : utf8;
}

// Loaded on first use, and kept (each `import()` of a CommonJS module builds its namespace anew).
let libmimeModule: Promise<typeof import('libmime')> | null = null;
const loadLibmime = () => (libmimeModule ??= import('libmime'));

export async function mailDetails(mail: ParsedMail, raw: Uint8Array<ArrayBuffer>[]): Promise<MailDetails> {
  // An instance with prototype methods: called on it, not destructured.
  const libmime = (await loadLibmime()).default;
  const headers = mail.headerLines.map(({ line }): [string, string] => {
    const text = headerText(line);
    const colon = text.indexOf(':');
    // Unfolding removes the line breaks only (RFC 5322 2.2.3); the blanks stay.
    const value = text.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').trim();
    let decoded: string;
    try {
      decoded = libmime.decodeWords(value);
    } catch {
      decoded = value; // a malformed encoded word is shown as written
    }
    return [storable(text.slice(0, colon).trim()), storable(decoded)];
  });
  return {
    headers,
    cc: addresses(mail.cc).map(storable),
    replyTo: addresses(mail.replyTo).map(storable),
    messageId: mail.messageId ? storable(mail.messageId) : null,
    inReplyTo: mail.inReplyTo ? storable(mail.inReplyTo) : null,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename ? storable(a.filename) : null,
      contentType: storable(a.contentType || 'application/octet-stream'),
      contentId: a.contentId ? storable(a.contentId.replace(/^<|>$/g, '')) : null,
      content: a.content,
    })),
    raw,
  };
}
