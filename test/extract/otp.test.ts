import { describe, expect, it } from 'vitest';
import { extractOtp, type OtpMessage } from '../../src/extract/otp';

// All e-mails below are written for these tests in the style of common senders; none is a copy.
const footer = 'Acme Inc. · 2200 Mission St, Suite 1200 · San Francisco, CA 94110\n© 2024 Acme Inc. All rights reserved.';

const cases: Array<[name: string, message: OtpMessage, expected: string | null]> = [
  // --- keyword forms ---
  ['"code is N"', { text: 'Your verification code is 123456' }, '123456'],
  ['"N is your code" in the subject only', { subject: '123456 is your Acme code' }, '123456'],
  ['grouped digits "12 34 56"', { text: 'Code: 12 34 56' }, '123456'],
  ['grouped digits "123 456"', { text: 'Your login code: 123 456\nIt expires in 10 minutes.' }, '123456'],
  ['grouped digits with a dash "4821-7730"', { text: 'Your one-time passcode: 4821-7730' }, '48217730'],
  ['alphanumeric code', { text: 'Your code is 4F7Q2K. Enter it on the sign-in page.' }, '4F7Q2K'],
  ['dashed alphanumeric code, separator removed', { text: 'Your confirmation code: ABC-123' }, 'ABC123'],
  ['8-digit security code', { text: 'Security code: 12345678\nDo not share it.' }, '12345678'],
  ['4-digit PIN before the keyword', { text: 'Use 5521 as your PIN to finish signing in.' }, '5521'],
  ['year-shaped code tied directly to the keyword', { text: 'Your PIN is 1987.' }, '1987'],
  ['ALL CAPS message', { text: 'YOUR CODE IS 48291' }, '48291'],
  ['numeric entities in HTML', { html: '<p>Your code is &#52;&#56;&#50;&#57;&#49;&#51;</p>' }, '482913'],
  ['Google-style "G-" prefix', { subject: 'G-482913 is your Google verification code' }, '482913'],
  ['subject-only login code', { subject: 'Your Acme login code is 339120', text: null, html: null }, '339120'],

  // --- realistic e-mails ---
  [
    'Slack-style confirmation code (subject + text)',
    {
      subject: 'Slack confirmation code: Q7X-P2M',
      text: 'Confirm your email address\n\nYour confirmation code is below — enter it in your open browser window and we\'ll help you get signed in.\n\nQ7X-P2M\n\nIf you didn\'t request this email, there\'s nothing to worry about.\n\nSlack Technologies, 500 Howard St, San Francisco, CA 94105',
    },
    'Q7XP2M',
  ],
  [
    'GitHub-style device verification (text)',
    {
      subject: '[GitHub] Please verify your device',
      text: 'Hey octo-dev!\n\nA sign in attempt requires further verification because we did not recognize your device. To complete the sign in, enter the verification code on the unrecognized device.\n\nDevice: Chrome on macOS\nVerification code: 905114\n\nIf you did not attempt to sign in to your account, your password may be compromised. Visit https://github.com/settings/security to create a new, strong password for your GitHub account.\n\nThanks,\nThe GitHub Team\n\nGitHub, Inc. ・88 Colin P Kelly Jr Street・San Francisco, CA 94107',
    },
    '905114',
  ],
  [
    'Auth0-style HTML-only e-mail with head, style and footer',
    {
      html: `<!doctype html><html><head><title>Verify 2024</title><style>.box{width:600px;color:#334455} @media (max-width: 480px){.x{padding:12px}}</style></head>
        <body><table><tr><td><h1>Verify Your Identity</h1></td></tr>
        <tr><td><p>Here is your verification code:</p></td></tr>
        <tr><td class="box" style="font-size:32px;letter-spacing:6px"><b>482913</b></td></tr>
        <tr><td><p>This code will expire in 5 minutes.</p></td></tr>
        <tr><td><p>&copy; 2024 Auth Co. 10 Main Road, Springfield, IL 62701</p></td></tr></table>
        <script>window.dataLayer = [{ id: 777888 }];</script></body></html>`,
    },
    '482913',
  ],
  [
    'Stripe-style multipart, grouped digits in both parts',
    {
      subject: 'Your Stripe verification code',
      text: 'Use this code to verify your identity: 730 214\n\nThis code expires in 10 minutes. Questions? Call +1 888 555 0150.',
      html: '<p>Use this code to verify your identity:</p><p style="font-size:28px"><strong>730&nbsp;214</strong></p><p>This code expires in 10 minutes.</p>',
    },
    '730214',
  ],
  [
    'Microsoft-style security code with masked e-mail',
    { text: 'Security code: 7391\n\nIf you don\'t recognize the account us***@example.com, you can click here to remove it.' },
    '7391',
  ],
  [
    'HTML code rendered one digit per cell',
    { html: '<p>Your login code</p><table><tr><td>4</td><td>8</td><td>2</td><td>9</td><td>1</td><td>3</td></tr></table>' },
    '482913',
  ],
  [
    'HTML with &nbsp; between words and inline tags',
    { html: '<div>Your&nbsp;code&nbsp;is&nbsp;<strong>135790</strong></div><div>' + footer + '</div>' },
    '135790',
  ],
  ['multipart with the same code in both parts', { text: 'Your one-time passcode is 864209', html: '<p>Your one-time passcode is <b>864209</b></p>' }, '864209'],
  ['code on its own line after the keyword, then the footer', { text: 'Enter the code below to continue.\n\n556677\n\n' + footer }, '556677'],

  // --- look-alikes next to a real code ---
  ['copyright year next to the code', { text: 'Your code is 482913.\n© 2024 Acme Inc.' }, '482913'],
  ['year after a keyword ("in 2025") is skipped', { text: 'Verification codes change format in 2025. Your code: 771204' }, '771204'],
  ['phone number next to the code', { text: 'Your code is 902817. Questions? Call (555) 123-4567.' }, '902817'],
  ['price next to the code', { text: 'Payment verification for €49.\nYour code is 551902' }, '551902'],
  ['date and time next to the code', { text: 'Verification requested on 2024-06-12 at 10:30. Your code: 318845' }, '318845'],
  ['order number next to the code', { text: 'Order #123456 is out for delivery. Your delivery verification code is 7788.' }, '7788'],
  ['invoice number next to the code', { text: 'Invoice INV-20240042 is ready. Enter the security code 4412 to view it.' }, '4412'],
  ['reference number before the code', { text: 'Reference: 884422. Your code: 119933' }, '119933'],
  ['account number before the PIN', { text: 'Account 55667788 — your PIN is 4821' }, '4821'],
  ['phone ending digits before the code', { text: 'We sent a code to your phone ending in 4567. Your code is 240681.' }, '240681'],

  // --- fallback: one bare 6-digit number and no keyword near it ---
  ['fallback: lone 6-digit number in HTML', { html: '<h2>Sign in to Acme</h2><div style="font-size:30px">482913</div><p>Valid for 10 minutes.</p>' }, '482913'],
  ['fallback: no keyword, number inside a sentence', { text: 'Sign in to Acme with 482913 on the next screen.' }, '482913'],
  ['fallback: keyword in the subject, code alone on its line', { subject: 'Your Acme verification code', text: 'Hello,\n\n   482913\n\nThanks, Acme' }, '482913'],
  [
    'fallback refused: keyword present, number far away inside a sentence',
    { text: 'Please verify your email address to finish setting up your account. Acme has grown a lot, and now more than 250000 teams use it every day.' },
    null,
  ],
  ['fallback refused: two different 6-digit numbers', { text: 'Sign in to Acme: 482913 or 551902' }, null],

  // --- look-alikes alone: nothing qualifies ---
  ['no code at all', { subject: 'Welcome!', text: 'Thanks for signing up.' }, null],
  ['years only', { text: 'Welcome to Acme! Since 2015 we have helped teams ship. Verify your email to get started.\n© 2019–2024 Acme' }, null],
  ['phone number after "code"', { text: "Didn't request a code? Call us at +1 415 555 0100." }, null],
  ['toll-free phone number', { text: 'To verify your identity call 1-800-555-0199.' }, null],
  ['price after "verify"', { text: 'Please verify your purchase of $1234 before it ships.' }, null],
  ['price with decimals and currency', { text: 'Verify your payment of 1,299.00 EUR.' }, null],
  ['date after "verify"', { text: 'Please verify your account by 12/06/2024.' }, null],
  ['time after "login code"', { text: 'A login code was requested at 10:30 today.' }, null],
  ['order number only', { text: 'Thanks for your order 98765432. Verify your email to track it.' }, null],
  ['zip code in the footer', { text: 'Click the link below to verify your email.\n\nhttps://acme.com/verify?t=abc\n\n' + footer }, null],
  ['UK postcode in the footer', { text: 'Verify your email with the button above.\nAcme Ltd, 10 Downing St, London SW1A 2AA' }, null],
  ['digits in a URL', { text: 'Verify here: https://acme.com/verify?code=123456&uid=998877' }, null],
  ['digits in a scheme-less URL', { text: 'Your code link: acme.com/c/123456' }, null],
  ['digits in an e-mail address', { text: 'Verify user482913@example.com to continue.' }, null],
  ['promo code', { text: 'Use promo code SAVE20 for 20% off your next order.' }, null],
  ['"expires in N minutes" without a code', { text: 'Your code expires in 1440 minutes.' }, null],
  ['tracking pixel URL in HTML', { html: '<p>Verify your email.</p><img src="https://t.acme.com/open/123456.gif" width="1" height="1">' }, null],
  ['empty message', { subject: null, text: null, html: null }, null],
];

describe('extractOtp', () => {
  it.each(cases)('%s', (_name, message, expected) => {
    expect(extractOtp(message)).toBe(expected);
  });

  it('has the promised coverage', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});
