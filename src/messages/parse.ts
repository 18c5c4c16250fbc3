import type { Readable } from 'node:stream';
import type { AddressObject, ParsedMail } from 'mailparser';
import { type MailDetails, mailDetails } from './details';

/** A message reduced to what this service stores and matches on. */
export interface IncomingMail {
  from: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  sizeBytes: number;
  /** Headers, attachments and source (details.ts); absent for a message delivered as parts. */
  details?: MailDetails;
}

/** A real MIME parser (encodings, multipart, charsets) over a stream of the message (see MailIntake). */
export async function parseMime(input: Readable | Buffer): Promise<ParsedMail> {
  // No text made up from the HTML (or HTML from the text): `text` is the text the sender wrote, null
  // for an HTML-only message, as for one delivered as parts over HTTP. Extractors read the HTML themselves.
  const { simpleParser } = await loadMailparser();
  return simpleParser(input, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
}

// Loaded on first use: a server that never needs it does not carry it (see the memory target in
// bench/README.md). Kept once loaded: each `import()` of a CommonJS module builds its namespace anew.
let mailparser: Promise<typeof import('mailparser')> | null = null;
const loadMailparser = () => (mailparser ??= import('mailparser'));

/** The parsed message as stored; `raw` is its source in storage blocks (message-files.ts). */
export async function toIncomingMail(mail: ParsedMail, raw: Uint8Array<ArrayBuffer>[], sizeBytes: number): Promise<IncomingMail> {
  return {
    from: mail.from?.text ?? '',
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    text: mail.text || null, // '' when the only text was HTML
    html: typeof mail.html === 'string' ? mail.html : null,
    sizeBytes,
    details: await mailDetails(mail, raw),
  };
}

export function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}
