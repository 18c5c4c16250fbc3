import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from '../inboxes/helpers';
import { startServer, type TestServer } from '../support/server';

// `codes` and `links` of real-world-shaped mails received over SMTP: every code and link a test may
// assert on, the extractor's pick first (codes) or marked (links).
let s: TestServer;
let mailer: ReturnType<typeof nodemailer.createTransport>;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  mailer = nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true, pool: true });
});
afterAll(async () => {
  mailer?.close();
  await s?.close();
});

const footer = 'Acme Inc., 2200 Mission St, San Francisco, CA 94107. © 2024 Acme. Questions? Call (555) 123-4567.';
const htmlFooter = `<p style="color:#999">${footer} <a href="https://acme.test/unsubscribe?u=123">Unsubscribe</a> · <a href="https://acme.test/privacy">Privacy</a></p>`;
const tracked = (target: string) => `https://click.mailer.test/ls/click?upn=${encodeURIComponent(target)}&sig=9f8e7d6c5b4a`;

interface Template {
  name: string;
  subject: string;
  text?: string;
  html?: string;
  /** Code values, best first. */
  codes: string[];
  /** Link URLs in reading order; `picked` is the one a magic_link wait takes (or null). */
  links: string[];
  picked: string | null;
}

const TEMPLATES: Template[] = [
  { name: 'plain OTP', subject: 'Your Acme code', text: `Your verification code is 482913.\n\n${footer}`, codes: ['482913'], links: [], picked: null },
  {
    name: 'code split by spaces, one digit per box',
    subject: 'Sign in to Acme',
    html: `<p>Enter this code:</p><table><tr><td>4</td><td>8</td><td>2</td><td>9</td><td>1</td><td>3</td></tr></table>${htmlFooter}`,
    codes: ['482913'],
    links: ['https://acme.test/unsubscribe?u=123', 'https://acme.test/privacy'],
    picked: null,
  },
  { name: 'code in groups "123 456"', subject: 'Login code', text: 'Your login code: 123 456\nIt expires in 10 minutes.', codes: ['123456'], links: [], picked: null },
  {
    name: 'link behind a tracking redirect',
    subject: 'Confirm your email',
    html: `<p>Welcome!</p><a href="${tracked('https://app.acme.test/verify?token=abcdef123456')}">Verify email</a>${htmlFooter}`,
    codes: [],
    links: [tracked('https://app.acme.test/verify?token=abcdef123456'), 'https://acme.test/unsubscribe?u=123', 'https://acme.test/privacy'],
    picked: tracked('https://app.acme.test/verify?token=abcdef123456'),
  },
  {
    name: 'magic link button and written fallback',
    subject: 'Your sign-in link',
    html: '<a href="https://acme.test/">Acme</a><p><a href="https://acme.test/magic?t=Zx81kQ">Sign in</a></p>',
    text: 'Sign in: https://acme.test/magic?t=Zx81kQ\nHome: https://acme.test/',
    codes: [],
    links: ['https://acme.test/', 'https://acme.test/magic?t=Zx81kQ'],
    picked: 'https://acme.test/magic?t=Zx81kQ',
  },
  {
    name: 'code and link together',
    subject: 'Verify your account',
    html: '<p>Your code is <b>551902</b></p><p>Or <a href="https://acme.test/verify?c=551902&amp;u=7">click to verify</a>.</p>',
    codes: ['551902'],
    links: ['https://acme.test/verify?c=551902&u=7'],
    picked: 'https://acme.test/verify?c=551902&u=7',
  },
  { name: 'alphanumeric code', subject: 'Security check', text: 'Your code is 4F7Q2K. Enter it on the sign-in page.', codes: ['4F7Q2K'], links: [], picked: null },
  { name: 'dashed code', subject: 'Confirm', text: 'Your confirmation code: ABC-123', codes: ['ABC123'], links: [], picked: null },
  { name: 'Google-style subject', subject: 'G-482913 is your Google verification code', text: 'Someone is signing in.', codes: ['482913'], links: [], picked: null },
  {
    name: 'order number and code',
    subject: 'Delivery',
    text: 'Order #123456 is out for delivery. Your delivery verification code is 7788.',
    codes: ['7788'],
    links: [],
    picked: null,
  },
  {
    name: 'two codes, the keyword picks',
    subject: 'Codes',
    text: 'Your one-time code: 330044\nIt replaces the code we sent earlier, 771122.',
    codes: ['330044', '771122'],
    links: [],
    picked: null,
  },
  {
    name: 'password reset',
    subject: 'Reset your password',
    html: `<p>We received a request.</p><p><a href="https://acme.test/reset/8f14e45fceea167a5a36dedd4bea2543">Reset password</a></p><p>Need help? <a href="https://acme.test/help">Contact support</a></p>`,
    codes: [],
    links: ['https://acme.test/reset/8f14e45fceea167a5a36dedd4bea2543', 'https://acme.test/help'],
    picked: 'https://acme.test/reset/8f14e45fceea167a5a36dedd4bea2543',
  },
  { name: 'HTML entities in the code', subject: 'Code', html: '<p>Your code is &#52;&#56;&#50;&#57;&#49;&#51;</p>', codes: ['482913'], links: [], picked: null },
  {
    name: 'named entities in an href',
    subject: 'Activate',
    html: '<a href="https://acme.test/activate?id=42&amp;token=Qm9i&amp;lang=fr">Activer mon compte &rarr;</a>',
    codes: [],
    links: ['https://acme.test/activate?id=42&token=Qm9i&lang=fr'],
    picked: 'https://acme.test/activate?id=42&token=Qm9i&lang=fr',
  },
  {
    name: 'written URL in prose with punctuation',
    subject: 'Welcome',
    text: 'Read our guide (https://acme.test/guide). Then confirm at https://acme.test/confirm?k=77aa88bb.',
    codes: [],
    links: ['https://acme.test/guide', 'https://acme.test/confirm?k=77aa88bb'],
    picked: 'https://acme.test/confirm?k=77aa88bb',
  },
  { name: 'no code at all', subject: 'Welcome!', text: 'Thanks for signing up.', codes: [], links: [], picked: null },
  { name: 'date, time and price are not codes', subject: 'Receipt', text: 'Paid $1234 on 2024-06-12 at 10:30. Verification code: 318845', codes: ['318845'], links: [], picked: null },
  {
    name: 'newsletter with many links and no code',
    subject: 'This week at Acme',
    html: `<a href="https://acme.test/blog/1">Post one</a> <a href="https://acme.test/blog/2">Post two</a> <a href="https://acme.test/view-in-browser">View in browser</a>${htmlFooter}`,
    codes: [],
    links: ['https://acme.test/blog/1', 'https://acme.test/blog/2', 'https://acme.test/view-in-browser', 'https://acme.test/unsubscribe?u=123', 'https://acme.test/privacy'],
    picked: null,
  },
  { name: 'code before the keyword', subject: 'PIN', text: 'Use 5521 as your PIN to finish signing in.', codes: ['5521'], links: [], picked: null },
  {
    name: 'same code in text and HTML parts',
    subject: 'Your one-time passcode',
    text: 'Your one-time passcode is 864209',
    html: '<p>Your one-time passcode is <b>864209</b></p>',
    codes: ['864209'],
    links: [],
    picked: null,
  },
];

describe('codes and links of 20 real-world-shaped mails over SMTP', () => {
  it('has 20 templates', () => expect(TEMPLATES).toHaveLength(20));

  it.each(TEMPLATES.map((t) => [t.name, t] as const))('%s', async (_name, t) => {
    const inbox = await createInbox(s);
    await mailer.sendMail({ from: 'Acme <noreply@acme.test>', to: inbox.emailAddress, subject: t.subject, text: t.text, html: t.html });
    const [summary] = (await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body.data;
    const message = (await s.request('GET', `/api/v1/messages/${summary.id}`)).body;
    expect(message.codes.map((c: any) => c.value)).toEqual(t.codes);
    expect(message.codes.map((c: any) => c.best)).toEqual(t.codes.map((_, i) => i === 0));
    expect(message.links.map((l: any) => l.url)).toEqual(t.links);
    expect(message.links.filter((l: any) => l.picked).map((l: any) => l.url)).toEqual(t.picked ? [t.picked] : []);
    // The marks agree with what the waits would take from the same mail.
    const since = new Date(Date.now() - 60_000).toISOString();
    const otp = (await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', since } })).body;
    expect(otp.result?.value ?? null).toBe(t.codes[0] ?? null);
    const link = (await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'magic_link', since } })).body;
    expect(link.result?.value ?? null).toBe(t.picked);
    for (const c of message.codes) expect(typeof c.start === 'number' && c.end > c.start && ['text', 'html', 'subject'].includes(c.part)).toBe(true);
  });
});
