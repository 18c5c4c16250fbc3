import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddressList, encodeAddressList } from '../../src/messages/address-list';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * Recipients are parsed by the MIME library's address parser and stored as a list: a quoted local part
 * with a comma (`"a,b"@c.d`) stays one address, over real SMTP and over HTTP.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

const TO = '"a,b"@c.d, Joe <"j o"@e.f>, plain@g.h';
const EXPECTED = ['"a,b"@c.d', '"j o"@e.f', 'plain@g.h'];

async function newInbox() {
  return (await s.request('POST', '/api/v1/inboxes', { body: {} })).body as { id: string; emailAddress: string };
}
const firstMessage = async (inboxId: string) => ((await s.request('GET', `/api/v1/inboxes/${inboxId}/messages`)).body as { data: { id: string; to: string[] }[] }).data[0];

describe('quoted local parts are kept whole', () => {
  it('over SMTP: `To: "a,b"@c.d, …` is stored and read back as three addresses', async () => {
    const inbox = await newInbox();
    const { smtp } = await RawSmtp.open(s.smtpPort!);
    await smtp.command('EHLO client.test');
    expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await smtp.data(`From: sender@example.test\r\nTo: ${TO}\r\nSubject: commas\r\n\r\nhello\r\n`)).code).toBe(250);
    await smtp.quit();
    const listed = await firstMessage(inbox.id);
    expect(listed.to).toEqual(EXPECTED);
    expect(((await s.request('GET', `/api/v1/messages/${listed.id}`)).body as { to: string[] }).to).toEqual(EXPECTED);
    const gql = await s.gql(`{ message(id: "${listed.id}") { to } }`);
    expect(gql.body.data.message.to).toEqual(EXPECTED);
  });

  it('over HTTP, raw and as parts', async () => {
    const inbox = await newInbox();
    const raw = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: `From: x@y.z\r\nTo: ${TO}\r\nSubject: s\r\n\r\nb`, headers: { 'content-type': 'message/rfc822' } });
    expect((raw.body as { to: string[] }).to).toEqual(EXPECTED);
    const parts = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'x@y.z', to: ['"a,b"@c.d', 'd@e.f'], subject: 's' } });
    expect((parts.body as { to: string[] }).to).toEqual(['"a,b"@c.d', 'd@e.f']);
  });

  it('rows stored before (comma-joined) are still read', () => {
    expect(decodeAddressList('a@b.c,d@e.f')).toEqual(['a@b.c', 'd@e.f']);
    expect(decodeAddressList('')).toEqual([]);
    expect(decodeAddressList(encodeAddressList(EXPECTED))).toEqual(EXPECTED);
  });
});
