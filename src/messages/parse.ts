import type { AddressObject } from 'mailparser';
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

/** Parses a complete RFC 822 / MIME message with a real MIME parser (encodings, multipart, charsets). */
export async function parseRawMessage(raw: Buffer | string): Promise<IncomingMail> {
  const buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  // No text made up from the HTML (or HTML from the text): `text` is the text the sender wrote, null
  // for an HTML-only message, as for one delivered as parts over HTTP. Extractors read the HTML themselves.
  // Loaded on first use: a server that never needs it does not carry it (see the memory target in bench/README.md).
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(buffer, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
  return {
    from: mail.from?.text ?? '',
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    text: mail.text || null, // '' when the only text was HTML
    html: typeof mail.html === 'string' ? mail.html : null,
    sizeBytes: buffer.length,
    details: await mailDetails(mail, buffer),
  };
}

export function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}
