import { describe, expect, it } from 'vitest';
import { reconnectDelayMs, resumingPayload } from '../../web/src/api/client';
import { errorToWords } from '../../web/src/lib/errors';
import { addressRows, base64ToBytes, downloadName, formatBytes, sourceText } from '../../web/src/lib/message';
import { countRemoteImages, mailCsp, mailSrcdoc, stripMailTags } from '../../web/src/lib/mail-frame';
import { pageLabel } from '../../web/src/lib/paging';
import { messageHref, parseRoute, sessionHref } from '../../web/src/lib/route';
import { formatAge, formatDuration, formatMs, formatTimeLeft } from '../../web/src/lib/time';
import { summarizePayload } from '../../web/src/lib/timeline';
import { layoutWaterfall, MIN_WIDTH_PCT } from '../../web/src/lib/waterfall';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('time words', () => {
  it('formats durations with at most two units, dropping zero parts', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59.9)).toBe('59 s');
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3600 + 5 * 60 + 7)).toBe('1 h 5 min');
    expect(formatDuration(3600 + 7)).toBe('1 h');
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2 d 4 h');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('says how long ago and how long is left', () => {
    expect(formatAge(at(0), T0 + 500)).toBe('just now');
    expect(formatAge(at(0), T0 + 12_000)).toBe('12 s ago');
    expect(formatAge(at(0), T0 + 200_000)).toBe('3 min 20 s ago');
    expect(formatTimeLeft(at(125_000), T0)).toBe('2 min 5 s left');
    expect(formatTimeLeft(at(500), T0)).toBe('1 s left'); // rounds up: never "0 s left" while time remains
    expect(formatTimeLeft(at(0), T0)).toBe('expired');
    expect(formatTimeLeft(at(-1000), T0, 'timing out')).toBe('timing out');
    expect(formatTimeLeft('not a date', T0)).toBe('unknown');
  });

  it('formats step durations', () => {
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(35.4)).toBe('35 ms');
    expect(formatMs(1250)).toBe('1.3 s');
    expect(formatMs(123_000)).toBe('2 min 3 s');
  });
});

describe('replay waterfall layout', () => {
  it('places each bar at its start and sizes it by durationMs over the whole span', () => {
    // Timestamps are when a step started: step 1 ran 0-100 ms, step 2 400-900 ms, step 3 900-1000 ms.
    const { spanMs, bars } = layoutWaterfall([
      { index: 1, timestamp: at(0), durationMs: 100 },
      { index: 2, timestamp: at(400), durationMs: 500 },
      { index: 3, timestamp: at(900), durationMs: 100 },
    ]);
    expect(spanMs).toBe(1000);
    expect(bars).toEqual([
      { index: 1, offsetPct: 0, widthPct: 10 },
      { index: 2, offsetPct: 40, widthPct: 50 },
      { index: 3, offsetPct: 90, widthPct: 10 },
    ]);
  });

  it('keeps instant steps visible and never overflows the track', () => {
    const { bars } = layoutWaterfall([
      { index: 1, timestamp: at(0), durationMs: 0 },
      { index: 2, timestamp: at(10_000), durationMs: 0 },
    ]);
    expect(bars[0]).toEqual({ index: 1, offsetPct: 0, widthPct: MIN_WIDTH_PCT });
    expect(bars[1]!.offsetPct + bars[1]!.widthPct).toBeLessThanOrEqual(100);
    expect(bars[1]!.widthPct).toBe(MIN_WIDTH_PCT);
  });

  it('handles no steps and a single step', () => {
    expect(layoutWaterfall([])).toEqual({ spanMs: 0, bars: [] });
    expect(layoutWaterfall([{ index: 1, timestamp: at(0), durationMs: 50 }])).toEqual({ spanMs: 50, bars: [{ index: 1, offsetPct: 0, widthPct: 100 }] });
  });
});

describe('API errors in words', () => {
  const gql = (code: string, extra: Record<string, unknown> = {}, message = 'msg') => ({ graphQLErrors: [{ message, extensions: { code, ...extra } }] });

  it('names a wrong key, a missing thing and a rate limit with its retry time', () => {
    expect(errorToWords(gql('UNAUTHENTICATED'))).toMatchObject({ kind: 'unauthenticated', title: 'This API key was not accepted' });
    expect(errorToWords(gql('NOT_FOUND'), 'This session')).toMatchObject({ kind: 'not_found', title: 'This session was not found' });
    const limited = errorToWords(gql('RATE_LIMITED', { retryAfterSeconds: 41.2 }));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 42 });
    expect(limited.detail).toContain('again in 42 s');
    expect(errorToWords(gql('RATE_LIMITED')).retryAfterSeconds).toBeUndefined();
  });

  it('passes the server message for conflicts and refused input; network failures say so', () => {
    expect(errorToWords(gql('CONFLICT', {}, 'Session already failed'))).toMatchObject({ kind: 'conflict', detail: 'Session already failed' });
    expect(errorToWords(gql('BAD_USER_INPUT', {}, 'reason is required'))).toMatchObject({ kind: 'invalid', detail: 'reason is required' });
    expect(errorToWords(gql('INTERNAL_SERVER_ERROR', {}, 'Internal server error'))).toMatchObject({ kind: 'server' });
    expect(errorToWords({ networkError: { message: 'Failed to fetch' } })).toMatchObject({ kind: 'network', title: 'The server cannot be reached' });
    expect(errorToWords({})).toMatchObject({ kind: 'server' });
  });
});

describe('routes', () => {
  it('parses every console path and builds the same ones', () => {
    expect(parseRoute('/console')).toEqual({ page: 'sessions' });
    expect(parseRoute('/console/')).toEqual({ page: 'sessions' });
    expect(parseRoute('/console/sessions')).toEqual({ page: 'sessions' });
    expect(parseRoute(sessionHref('sess_1'))).toEqual({ page: 'session', id: 'sess_1' });
    const href = new URL(messageHref('msg_1', 'sess_1'), 'http://x');
    expect(parseRoute(href.pathname, href.search)).toEqual({ page: 'message', id: 'msg_1', sessionId: 'sess_1' });
    expect(parseRoute(messageHref('msg_1'))).toEqual({ page: 'message', id: 'msg_1' });
    expect(parseRoute('/console/nope/a/b')).toEqual({ page: 'not_found', path: '/console/nope/a/b' });
    expect(parseRoute('/elsewhere')).toEqual({ page: 'not_found', path: '/elsewhere' });
  });

  it('labels pages', () => {
    expect(pageLabel(0, 0, 0)).toBe('0 of 0');
    expect(pageLabel(0, 20, 45)).toBe('1–20 of 45');
    expect(pageLabel(40, 5, 45)).toBe('41–45 of 45');
  });

  it('summarizes timeline payloads on one line', () => {
    expect(summarizePayload({ inboxId: 'inb_1', count: 2 })).toBe('inboxId=inb_1 count=2');
    const long = summarizePayload({ text: 'x'.repeat(500) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('HTML mail frame', () => {
  it('blocks scripts, forms and every remote load; images only once asked', () => {
    const off = mailCsp(false);
    expect(off).toContain("default-src 'none'");
    expect(off).toContain("script-src 'none'");
    expect(off).toContain("form-action 'none'");
    expect(off).toContain('img-src data:');
    expect(off).not.toMatch(/https?:/);
    expect(mailCsp(true)).toContain('img-src data: https: http:');
  });

  it('puts the CSP first, before any of the mail', () => {
    const doc = mailSrcdoc('<meta http-equiv="Content-Security-Policy" content="x"><img src="https://t.example/p.gif">', false);
    expect(doc.indexOf('Content-Security-Policy')).toBeLessThan(doc.indexOf('<img'));
    expect(doc.startsWith('<!doctype html><html><head><meta http-equiv="Content-Security-Policy"')).toBe(true);
  });

  it('strips <meta>, <base> and <link> however they are spelled, even when pieces would join', () => {
    expect(stripMailTags('<META HTTP-EQUIV="refresh" content="0;url=https://e/">a<base href=https://e/><link rel=stylesheet href=//e/x.css>b')).toBe('ab');
    expect(stripMailTags('<meta/http-equiv=refresh content=0;url=//e>x<meta\nhttp-equiv=refresh>')).toBe('x');
    expect(stripMailTags('<me<meta>ta http-equiv=refresh content="0;url=https://e">')).toBe('');
    expect(stripMailTags('<meta content="a>b" http-equiv="refresh">')).toBe('b" http-equiv="refresh">');
    expect(stripMailTags('<p>metadata <b>linked</b> baseline</p><metal>')).toBe('<p>metadata <b>linked</b> baseline</p><metal>');
    expect(mailSrcdoc('<meta http-equiv=refresh content=0>hi', false)).not.toContain('refresh');
  });

  it('holds image sources back until the reader loads images, and gives them back after', () => {
    const mail = '<p src="x">text</p><img alt="a" src="broken"><IMG SRCSET="//t.example/p.gif 2x"><video poster=p.png></video>';
    const held = mailSrcdoc(mail, false);
    expect(held).toContain('<img alt="a" data-held-src="broken">');
    expect(held).toContain('<IMG data-held-SRCSET="//t.example/p.gif 2x">');
    expect(held).toContain('<video data-held-poster=p.png>');
    expect(held).toContain('<p src="x">text</p>');
    expect(mailSrcdoc(mail, true)).toContain('<img alt="a" src="broken">');
  });

  it('counts remote images', () => {
    expect(countRemoteImages('<img src="https://a/x.png"><IMG SRC=//b/y.png><img src="data:image/png;base64,AA"><img src=\'http://c\'>')).toBe(3);
  });
});

describe('message helpers', () => {
  it('says sizes in words', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('decodes base64 to bytes and a source to text, replacing what is not UTF-8', () => {
    expect([...base64ToBytes(Buffer.from([0, 255, 10]).toString('base64'))]).toEqual([0, 255, 10]);
    expect(sourceText(Buffer.from('Subject: Grüße\r\n').toString('base64'))).toBe('Subject: Grüße\r\n');
    expect(sourceText(Buffer.from([0x61, 0xff, 0x62]).toString('base64'))).toBe('a\uFFFDb');
  });

  it('shows cc, reply-to and ids only when the mail has them', () => {
    const base = { from: 'a@x.test', to: ['b@x.test', 'c@x.test'], cc: [], replyTo: [], subject: '' };
    expect(addressRows(base)).toEqual([['From', 'a@x.test'], ['To', 'b@x.test, c@x.test'], ['Subject', '(no subject)']]);
    expect(addressRows({ ...base, cc: ['d@x.test'], replyTo: ['e@x.test'], messageId: '<1@x>', inReplyTo: '<0@x>' }).map(([n]) => n)).toEqual([
      'From', 'To', 'Cc', 'Reply-To', 'Subject', 'Message-ID', 'In-Reply-To',
    ]);
  });

  it('offers a file name without a path or control characters', () => {
    expect(downloadName('../../etc/passwd', 'x')).toBe('passwd');
    expect(downloadName('C:\\evil\\a\u0007.txt', 'x')).toBe('a.txt');
    expect(downloadName(null, 'attachment-1')).toBe('attachment-1');
    expect(downloadName('  ', 'attachment-2')).toBe('attachment-2');
  });

  it('keeps the last cursor in the payload a reconnect sends again', () => {
    const { payload, seen } = resumingPayload({ query: 'subscription', variables: { sessionId: 's1', after: null } });
    seen({ sessionEvents: { cursor: 'ZTQ', type: 'x' } });
    expect(payload.variables).toEqual({ sessionId: 's1', after: 'ZTQ' });
    seen(null);
    expect(payload.variables!.after).toBe('ZTQ');
  });

  it('waits longer between reconnects, up to 30 s', () => {
    expect(reconnectDelayMs(0, 0.5)).toBe(1000);
    expect(reconnectDelayMs(3, 0.5)).toBe(8000);
    expect(reconnectDelayMs(50, 1)).toBe(30_000 * 1.25);
  });
});
