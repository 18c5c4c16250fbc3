import { describe, expect, it } from 'vitest';
import { extractMagicLink, type LinkMessage } from '../../src/extract/link';

// All e-mails below are written for these tests in the style of common senders; none is a copy.
const footerHtml =
  '<p><a href="https://acme.com/unsubscribe?u=42&amp;token=zz9">Unsubscribe</a> · <a href="https://acme.com/privacy">Privacy</a> · ' +
  '<a href="https://acme.com/terms">Terms</a> · <a href="https://help.acme.com/">Help</a></p>';
const logoHtml = '<a href="https://acme.com/"><img src="https://cdn.acme.com/logo.png" alt="Acme"></a>';

const cases: Array<[name: string, message: LinkMessage, expected: string | null]> = [
  // --- HTML anchors ---
  ['anchor with &amp; in the href', { html: '<a href="https://acme.com/verify?token=abc&amp;uid=42">Verify email</a>' }, 'https://acme.com/verify?token=abc&uid=42'],
  ['anchor with &#x3D; in the href', { html: '<a href="https://acme.com/auth?t&#x3D;xyz&#x26;r&#61;1">Continue</a>' }, 'https://acme.com/auth?t=xyz&r=1'],
  ['single-quoted href, keyword only in the text', { html: "<a class='btn' href='https://acme.com/e/8f3Kq2'>Sign in to Acme</a>" }, 'https://acme.com/e/8f3Kq2'],
  ['unquoted href', { html: '<a href=https://acme.com/activate?k=77>Activate</a>' }, 'https://acme.com/activate?k=77'],
  [
    'Slack-style magic sign-in with logo and footer links',
    {
      subject: 'Your Slack sign-in link',
      html: `<html><head><title>Sign in</title><style>a{color:#1264a3}</style></head><body>${logoHtml}
        <h1>Sign in to Acme on Slack</h1><p>Click the button below to sign in. This link will expire in 24 hours.</p>
        <a href="https://acme.slack.com/z-app-1234-5678/magic-login/abcDEF123ghi" style="background:#4a154b">Sign in to Slack</a>
        ${footerHtml}</body></html>`,
    },
    'https://acme.slack.com/z-app-1234-5678/magic-login/abcDEF123ghi',
  ],
  [
    'GitHub-style password reset',
    {
      subject: '[GitHub] Please reset your password',
      html: '<p>We heard that you lost your GitHub password. Sorry about that!</p><p>But don\'t worry! You can use the following button to reset your password:</p><p><a href="https://github.com/password_reset/7c1f3a9e0b2d4c6f8a1e">Reset your password</a></p><p>If you don\'t use this link within 3 hours, it will expire.</p>',
    },
    'https://github.com/password_reset/7c1f3a9e0b2d4c6f8a1e',
  ],
  [
    'Auth0-style verification with a trailing #',
    { html: '<p>Please verify your account.</p><a href="https://acme.eu.auth0.com/u/email-verification?ticket=Qx81mZ#">VERIFY YOUR ACCOUNT</a>' + footerHtml },
    'https://acme.eu.auth0.com/u/email-verification?ticket=Qx81mZ#',
  ],
  [
    'click-tracked button (the wrapper is the link to follow)',
    { html: '<a href="https://click.mailer.acme.com/ls/click?upn=u001.aBcD-2FeF">Confirm my account</a>' + footerHtml },
    'https://click.mailer.acme.com/ls/click?upn=u001.aBcD-2FeF',
  ],
  [
    'unsubscribe link first, the real link after',
    { html: '<a href="https://acme.com/unsubscribe?token=1">Unsubscribe</a><a href="https://acme.com/confirm?token=2">Confirm</a>' },
    'https://acme.com/confirm?token=2',
  ],
  [
    'homepage link before the activation link',
    { html: '<a href="https://acme.com">Acme</a> <a href="https://acme.com/account/activate?code=Zx9">Activate account</a>' },
    'https://acme.com/account/activate?code=Zx9',
  ],
  [
    'nav "Log in" link loses to the tokenised verify button',
    { html: '<a href="https://acme.com/login">Log in</a><p>Almost done!</p><a href="https://acme.com/v?t=Hq72pLx">Verify email</a>' },
    'https://acme.com/v?t=Hq72pLx',
  ],
  [
    'help article about verification is skipped',
    { html: '<a href="https://help.acme.com/articles/verify-email">Learn more</a> <a href="https://acme.com/magic/Jd82nWq01">Log in</a>' },
    'https://acme.com/magic/Jd82nWq01',
  ],
  [
    'button image labelled by its alt text',
    { html: '<a href="https://acme.com/x/Q19sLd0aZ"><img src="https://cdn.acme.com/btn.png" alt="Confirm email address"></a>' },
    'https://acme.com/x/Q19sLd0aZ',
  ],
  [
    'multipart: the HTML button wins',
    {
      text: 'Confirm your address: https://acme.com/confirm?t=AAA\n\nUnsubscribe: https://acme.com/unsubscribe',
      html: '<a href="https://acme.com/confirm?t=AAA&amp;src=html">Confirm</a>',
    },
    'https://acme.com/confirm?t=AAA&src=html',
  ],
  [
    'view-in-browser link with a token is not the magic link',
    { html: '<a href="https://acme.com/email/view?token=abc">View this email in your browser</a><a href="https://acme.com/signin?token=def">Sign in</a>' },
    'https://acme.com/signin?token=def',
  ],

  // --- written URLs ---
  ['text URL with a trailing period', { text: 'Click to sign in: https://acme.com/magic/abc123.' }, 'https://acme.com/magic/abc123'],
  ['text URL in angle brackets', { text: 'Confirm your e-mail <https://acme.com/confirm?t=1>' }, 'https://acme.com/confirm?t=1'],
  ['text URL in parentheses', { text: 'Reset your password (https://acme.com/reset?token=zz) within 1 hour.' }, 'https://acme.com/reset?token=zz'],
  ['markdown link followed by a comma', { text: 'Please [verify](https://acme.com/verify?x=1), thanks' }, 'https://acme.com/verify?x=1'],
  ['balanced parentheses stay', { text: 'Reset: https://acme.com/reset/(abc)' }, 'https://acme.com/reset/(abc)'],
  ['URL on its own line, labelled by the line above', { text: 'Use the link below to log in to Acme:\n\nhttps://acme.com/l/Zx9YqPw3\n\nIt expires in 15 minutes.' }, 'https://acme.com/l/Zx9YqPw3'],
  ['"help" in the sentence that introduces the link', { text: 'If you need help, use the link below to reset your password:\nhttps://acme.com/reset?token=abc' }, 'https://acme.com/reset?token=abc'],
  ['query with an encoded e-mail, trailing comma', { text: 'Reset your password: https://acme.com/reset?token=abc&email=a%40b.com, then sign in.' }, 'https://acme.com/reset?token=abc&email=a%40b.com'],
  ['URL written in the HTML text only', { html: '<p>Paste this into your browser to verify:<br>https://acme.com/verify/98ab7c</p>' }, 'https://acme.com/verify/98ab7c'],
  [
    'subject fallback: the only tokenised link',
    { subject: 'Your Acme sign-in link', html: logoHtml + '<a href="https://acme.com/e/Zq83hd72jd9s">Continue</a>' + footerHtml },
    'https://acme.com/e/Zq83hd72jd9s',
  ],

  // --- nothing qualifies ---
  ['footer links only', { html: '<p>Thanks for reading our newsletter.</p>' + footerHtml }, null],
  ['image links only', { html: '<a href="https://cdn.acme.com/verify/banner.jpg"><img src="https://cdn.acme.com/verify/banner.jpg" alt="banner"></a>' }, null],
  ['tracking pixel URL', { html: '<a href="https://t.acme.com/pixel/open?id=verify">.</a>' }, null],
  ['mailto link', { html: '<a href="mailto:verify@acme.com">Verify by e-mail</a>' }, null],
  ['javascript link', { html: '<a href="javascript:verify()">Verify</a>' }, null],
  ['app scheme link', { html: '<a href="acme-app://verify?token=1">Verify in the app</a>' }, null],
  ['"Contact support" anchor', { html: '<a href="https://acme.com/contact?ref=verify-email">Contact support</a>' }, null],
  ['help page only', { html: '<a href="https://help.acme.com/articles/verify-email">How do I verify my email?</a>' }, null],
  ['text URL without any purpose', { text: 'Read our 2024 recap at https://acme.com/blog/2024-recap.' }, null],
  ['text unsubscribe URL with a token', { text: 'Unsubscribe: https://acme.com/unsubscribe?token=abc' }, null],
  ['subject fallback refused with two candidate links', { subject: 'Sign in to Acme', html: '<a href="https://acme.com/a/Zq83hd72jd9s">A</a><a href="https://acme.com/b/Pl01mnB62xyQ">B</a>' }, null],
  ['no links at all', { subject: 'Verify your e-mail', text: 'Your code is 123456.' }, null],
  ['empty message', { subject: null, text: null, html: null }, null],
];

describe('extractMagicLink', () => {
  it.each(cases)('%s', (_name, message, expected) => {
    expect(extractMagicLink(message)).toBe(expected);
  });

  it('has the promised coverage', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });
});
