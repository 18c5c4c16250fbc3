import MailComposer from 'nodemailer/lib/mail-composer';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from '../inboxes/helpers';
import { errorText, expectError } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

// Headers, attachments and raw source of mail received over real SMTP, on REST and GraphQL.
let s: TestServer;
let mailer: ReturnType<typeof nodemailer.createTransport>;
beforeAll(async () => {
  s = await startServer({ smtp: true });
  mailer = nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true });
});
afterAll(async () => {
  mailer?.close();
  await s?.close();
});

// A 1×1 PNG and a small PDF: real bytes, including every byte value in the PDF's binary stream.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i % 256)), Buffer.from('\n%%EOF\n')]);

/** Builds the exact bytes, sends them as they are, and returns them with the stored message. */
async function sendRaw(to: string, mail: ConstructorParameters<typeof MailComposer>[0]): Promise<{ raw: Buffer; message: any }> {
  const raw = await new MailComposer({ from: 'Acme <noreply@acme.test>', to, ...mail }).compile().build();
  return { raw, message: await sendBytes(to, raw) };
}

async function sendBytes(to: string, raw: Buffer): Promise<any> {
  const before = Date.now();
  await mailer.sendMail({ envelope: { from: 'noreply@acme.test', to: [to] }, raw });
  const inbox = (await s.request('GET', '/api/v1/inboxes')).body.data.find((i: any) => i.emailAddress === to);
  const list = await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`);
  const latest = list.body.data[0];
  expect(Date.parse(latest.receivedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  const reply = await s.request('GET', `/api/v1/messages/${latest.id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

async function download(path: string, key?: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(s.url + path, { headers: { authorization: `Bearer ${key ?? s.apiKey}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('a multipart mail with an inline image and a PDF', () => {
  let inbox: any;
  let sent: { raw: Buffer; message: any };
  beforeAll(async () => {
    inbox = await createInbox(s);
    sent = await sendRaw(inbox.emailAddress, {
      cc: ['Boss <boss@acme.test>', 'audit@acme.test'],
      replyTo: 'support@acme.test',
      subject: 'Your invoice',
      messageId: '<invoice-42@acme.test>',
      inReplyTo: '<order-41@acme.test>',
      text: 'Your invoice is attached. Your code is 482913.',
      html: '<p>Logo: <img src="cid:logo@acme"></p><p><a href="https://acme.test/invoices/42?sig=abcdef123456">View invoice</a></p>',
      attachments: [
        { filename: 'logo.png', content: PNG, contentType: 'image/png', cid: 'logo@acme' },
        { filename: 'invoice 42 – März.pdf', content: PDF, contentType: 'application/pdf' },
      ],
    });
  });

  it('lists headers in order, cc, replyTo, messageId, inReplyTo and both attachments', () => {
    const m = sent.message;
    expect(m).toMatchObject({ cc: ['boss@acme.test', 'audit@acme.test'], replyTo: ['support@acme.test'], messageId: '<invoice-42@acme.test>', inReplyTo: '<order-41@acme.test>' });
    const names = m.headers.map((h: any) => h.name);
    const sentNames = sent.raw.toString('latin1').split('\r\n\r\n')[0]!.split('\r\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')));
    expect(names).toEqual(sentNames);
    expect(m.headers.find((h: any) => h.name === 'Subject').value).toBe('Your invoice');
    expect(m.attachments).toEqual([
      { id: expect.stringMatching(/^att_[0-9A-Za-z]{22}$/), filename: 'logo.png', contentType: 'image/png', sizeBytes: PNG.length, contentId: 'logo@acme' },
      { id: expect.stringMatching(/^att_/), filename: 'invoice 42 – März.pdf', contentType: 'application/pdf', sizeBytes: PDF.length, contentId: null },
    ]);
    expect(m.codes[0]).toMatchObject({ value: '482913', part: 'text', best: true });
    expect(m.links).toEqual([{ url: 'https://acme.test/invoices/42?sig=abcdef123456', text: 'View invoice', picked: false }]);
  });

  it('each attachment downloads byte for byte with its type and Content-Disposition: attachment', async () => {
    const [logo, pdf] = sent.message.attachments;
    const png = await download(`/api/v1/messages/${sent.message.id}/attachments/${logo.id}`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('content-disposition')).toBe(`attachment; filename="logo.png"; filename*=UTF-8''logo.png`);
    expect(png.bytes.equals(PNG)).toBe(true);
    const doc = await download(`/api/v1/messages/${sent.message.id}/attachments/${pdf.id}`);
    expect(doc.headers.get('content-type')).toBe('application/pdf');
    expect(doc.headers.get('content-disposition')).toBe(`attachment; filename="invoice 42 _ M_rz.pdf"; filename*=UTF-8''${encodeURIComponent('invoice 42 – März.pdf')}`);
    expect(doc.bytes.equals(PDF)).toBe(true);
  });

  it('the raw source is byte-equal to what was sent, as message/rfc822', async () => {
    const raw = await download(`/api/v1/messages/${sent.message.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment; filename="msg_/);
    expect(raw.bytes.equals(sent.raw)).toBe(true);
    expect(sent.message.sizeBytes).toBe(sent.raw.length);
  });

  it('GraphQL reads the same, and downloads the source and attachments as base64', async () => {
    const [, pdf] = sent.message.attachments;
    const reply = await s.gql(
      `query($id: ID!, $att: ID!) {
        message(id: $id) { cc replyTo messageId inReplyTo headers { name value } attachments { id filename contentType sizeBytes contentId } codes { value best } links { url picked } }
        messageSource(id: $id) { contentType filename sizeBytes base64 }
        messageAttachment(messageId: $id, attachmentId: $att) { contentType filename sizeBytes base64 }
      }`,
      { id: sent.message.id, att: pdf.id },
    );
    expect(reply.body.errors).toBeUndefined();
    const { message, messageSource, messageAttachment } = reply.body.data;
    expect(message.attachments).toEqual(sent.message.attachments);
    expect(message.headers).toEqual(sent.message.headers);
    expect(Buffer.from(messageSource.base64, 'base64').equals(sent.raw)).toBe(true);
    expect(messageSource).toMatchObject({ contentType: 'message/rfc822', sizeBytes: sent.raw.length });
    expect(Buffer.from(messageAttachment.base64, 'base64').equals(PDF)).toBe(true);
  });

  it("another owner's message, source and attachment are 404, as unknown ids are", async () => {
    const { id, attachments } = sent.message;
    const NOT_FOUND = errorText('Not found', 'Message not found');
    expectError(await s.request('GET', `/api/v1/messages/${id}`, { key: s.otherKey }), 404, NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/messages/${id}/raw`, { key: s.otherKey }), 404, NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/messages/${id}/attachments/${attachments[0].id}`, { key: s.otherKey }), 404, NOT_FOUND);
    expectError(await s.request('GET', '/api/v1/messages/msg_0000000000000000000000/raw'), 404, NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/messages/${id}/attachments/att_0000000000000000000000`), 404, errorText('Not found', 'Attachment not found'));
    expectError(await s.request('GET', `/api/v1/messages/${id}/attachments/nope`), 404, errorText('Not found', 'Attachment not found'));
    expect((await s.request('GET', `/api/v1/messages/${id}/raw`, { key: null })).status).toBe(401);
    const gql = await s.gql('query($id: ID!) { messageSource(id: $id) { base64 } }', { id }, s.otherKey);
    expect(gql.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('headers in 8-bit and encoded words', () => {
  it('decodes RFC 2047 words and raw UTF-8 (RFC 6532), keeps order and folding unfolded', async () => {
    const inbox = await createInbox(s);
    const raw = Buffer.from(
      [
        'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@acme.test>',
        `To: ${inbox.emailAddress}`,
        'Subject: Café – ваш код 551902',
        'X-Campaign: =?ISO-8859-1?Q?Pr=FCfung?= und',
        '  mehr',
        'Message-ID: <8bit@acme.test>',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Grüße, ваш код 551902',
        '',
      ].join('\r\n'),
      'utf8',
    );
    const m = await sendBytes(inbox.emailAddress, raw);
    expect(m.from).toContain('Jürgen Müller');
    expect(m.subject).toBe('Café – ваш код 551902');
    expect(m.headers).toEqual([
      { name: 'From', value: 'Jürgen Müller <jurgen@acme.test>' },
      { name: 'To', value: inbox.emailAddress },
      { name: 'Subject', value: 'Café – ваш код 551902' },
      { name: 'X-Campaign', value: 'Prüfung und  mehr' },
      { name: 'Message-ID', value: '<8bit@acme.test>' },
      { name: 'Content-Type', value: 'text/plain; charset=utf-8' },
      { name: 'Content-Transfer-Encoding', value: '8bit' },
    ]);
    expect(m.codes.map((c: any) => c.value)).toEqual(['551902']);
    expect((await download(`/api/v1/messages/${m.id}/raw`)).bytes.equals(raw)).toBe(true);
  });
});

describe('storage', () => {
  it('deleting the inbox deletes its messages\' bytes; a message delivered as parts has no source', async () => {
    const inbox = await createInbox(s);
    const { message } = await sendRaw(inbox.emailAddress, { subject: 'Bye', text: 'x', attachments: [{ filename: 'a.bin', content: PDF }] });
    const parts = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@acme.test', subject: 'Parts', text: 'hi' } });
    expectError(await s.request('GET', `/api/v1/messages/${parts.body.id}/raw`), 404, errorText('Not found', 'Message source not found'));
    expect(await s.app.db.prisma.messageChunk.count({ where: { messageId: message.id } })).toBeGreaterThan(0);
    expect((await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`)).status).toBe(204);
    expect(await s.app.db.prisma.messageChunk.count({ where: { messageId: message.id } })).toBe(0);
    expectError(await s.request('GET', `/api/v1/messages/${message.id}/raw`), 404, errorText('Not found', 'Message source not found'));
    expectError(await s.request('GET', `/api/v1/messages/${message.id}/attachments/${message.attachments[0].id}`), 404, errorText('Not found', 'Attachment not found'));
  });

  it('a large message is stored in chunks and streams back whole', async () => {
    const inbox = await createInbox(s);
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const { message, raw } = await sendRaw(inbox.emailAddress, { subject: 'Big', text: 'see attachment', attachments: [{ filename: 'big.bin', content: big }] });
    const chunks = await s.app.db.prisma.messageChunk.count({ where: { blobId: message.attachments[0].id } });
    expect(chunks).toBe(Math.ceil(big.length / (256 * 1024)));
    expect((await download(`/api/v1/messages/${message.id}/attachments/${message.attachments[0].id}`)).bytes.equals(big)).toBe(true);
    expect((await download(`/api/v1/messages/${message.id}/raw`)).bytes.equals(raw)).toBe(true);
  });
});
