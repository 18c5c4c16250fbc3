import { htmlToText } from './html-text';

/**
 * One-time code extraction for OTP waits.
 *
 * Approach: in each source (text part, HTML part as text, subject) first blank out everything that
 * merely looks like a code (URLs, e-mail addresses, dates, times, phone numbers, prices, order and
 * reference numbers, addresses), then take the candidate closest to a keyword such as "code" or
 * "verification". Codes come back without group separators: "123 456" → "123456",
 * "ABC-123" → "ABC123" (the separator is presentation; forms and split input boxes want the
 * characters). Letter case is kept.
 *
 * Fallback, when no candidate sits near a keyword: if the message holds exactly one distinct bare
 * 6-digit number, and either no keyword appears anywhere or that number stands on a line of its own,
 * it is the code. The own-line case covers "Your Acme code" in the subject with the code alone in a
 * box of the body; "Verify … join 250000 teams" stays null.
 */
export interface OtpMessage {
  subject?: string | null;
  text?: string | null;
  html?: string | null;
}

interface Candidate {
  start: number;
  end: number;
  value: string;
  /** 19xx/20xx: only taken when tied to the keyword directly ("code: 2024"), never "in 2025". */
  yearLike: boolean;
  /** A plain run of six digits, the only shape the fallback accepts. */
  sixDigits: boolean;
  /** Nothing but blanks and punctuation share its line (the "code in a box" layout). */
  ownLine: boolean;
}

// Longer forms first so "security code" is one keyword; "code" alone covers "login/access code" etc.
const KEYWORD =
  /\b(?:one[- ]?time(?:[- ](?:pass(?:word|code)|code|pin))?|pass ?code|otp|2fa|mfa|security code|verification|verify|pin|code)\b/gi;
// "promo code SAVE20" or "zip code 94107" are codes, but not the one-time kind.
const NOT_AN_OTP_CODE =
  /\b(?:zip|postal|post|promo|promotional|discount|coupon|voucher|gift|referral|invite|invitation|area|country|dialing|error|status|qr|bar|source|tracking|sort|swift|tax|product|style)[- ]?$/i;

const AFTER_WINDOW = 80; // "Enter the following verification code in the app to continue: 482913"
const BEFORE_WINDOW = 40; // "482913 is your Acme verification code"
const BEFORE_PENALTY = 20; // "Code: X" is the common form; "X is your code" only wins when alone
const MAX_CANDIDATE_LENGTH = 16; // "1 2 3 4 5 6 7 8", "AB12-CD34": the longest printed forms
// What may sit between a keyword and a year-shaped code for it to count ("PIN: 1987", "code is 2024").
const DIRECT = /^[\s:=\-–—]*(?:is|was)?[\s:=\-–—]*$/i;

// Look-alikes, blanked before candidates are searched. Order matters: URLs and e-mail addresses go
// first so their digits never reach the narrower patterns.
const LOOK_ALIKES: RegExp[] = [
  /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi, // URLs (ids, tracking parameters)
  /\b[A-Z]-(?=\d{4,8}\b)/g, // the "G-" of "G-482913": a prefix, the form takes the digits
  /\b(?:[a-z0-9-]+\.)+[a-z]{2,}\/[^\s<>"']*/gi, // scheme-less URLs: "acme.com/r/123456"
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // e-mail addresses
  /(?:©|\(c\)|copyright)\s*(?:\d{4}\s*[-–]\s*)?\d{4}/gi, // © 2019–2024
  /\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b/g, // 2024-06-12
  /\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b/g, // 12/06/2024, 06.12.24
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g, // 10:30, 10:30:15
  /\+\d[\d ().-]{6,}\d/g, // +1 415 555 0100, +44 (0)20 7946 0958
  /\(\d{3}\)\s?\d{3}[-. ]\d{4}\b/g, // (555) 123-4567
  /\b(?:1[-. ])?\d{3}[-. ]\d{3}[-. ]\d{4}\b/g, // 555-123-4567, 1-800-555-0199, 415 555 0100
  /\bending (?:in|with)\s+\d+/gi, // "phone ending in 4567"
  /[$€£¥₹]\s?\d[\d,.]*/g, // $1234, €49
  /\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR)\s?\d[\d,.]*/gi, // USD 1234
  /\d[\d,.]*\s?(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|dollars?|euros?)\b/gi, // 1,299.00 EUR
  /\b\d+(?:[.,]\d+)+\b/g, // decimals, thousands, versions, IPs
  /\b\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b/gi, // "expires in 1440 minutes"
  // "Order #123456", "Invoice no. INV-2024-0042", "Ticket 998877": an id whose run contains a digit.
  /\b(?:order|invoice|receipt|ticket|case|ref(?:erence)?|transaction|account|customer|member|request|booking|tracking|shipment)\b *(?:id|no\.?|number|#)? *[:#]? *(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]*/gi,
  /#\s?[A-Z0-9][A-Z0-9-]*/gi, // "#48213"
  /(?<=[a-z,]\s{1,3})[A-Z]{2}\s+\d{5}(?:-\d{4})?\b/g, // "San Francisco, CA 94107" (not "CODE IS 48291")
  /\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b/g, // UK postcode "SW1A 2AA"
  /\b(?:suite|ste|apt|unit|floor|room|p\.?\s?o\.?\s?box)\.?\s*#?\s*\d+/gi, // "Suite 1200"
  /\b\d+\s+(?:[A-Z][\w.]*\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Way|Lane|Ln|Dr|Drive|Ct|Court|Pl|Place|Sq|Square|Pkwy|Parkway|Hwy)\b/g, // "2200 Mission St"
];

function blank(s: string, re: RegExp): string {
  return s.replace(re, (m) => m.replace(/[^\n]/g, ' '));
}

/** The source with look-alikes replaced by spaces; same length, so offsets still match the source. */
function maskLookAlikes(s: string): string {
  return LOOK_ALIKES.reduce(blank, s);
}

// Digit groups as printed for humans: "123 456", "12 34 56", "1234-5678", or one digit per box.
// A run that goes on past its ends ("1 2 3 4 5 6 7 8 9 …") is a list of numbers, not a code.
const GROUPED_DIGITS = /(?<![\w-]|\d[ \u00A0-])\d{1,4}(?:[ \u00A0-]\d{1,4}){1,7}(?![\w-]|[ \u00A0-]\d)/g;
// Dashed alphanumeric codes: "ABC-123", "A7K-92Q".
const DASHED = /(?<![\w-])[A-Z0-9]{2,6}(?:-[A-Z0-9]{2,6}){1,2}(?![\w-])/g;
// Single tokens: digits, or upper-case letters mixed with digits ("4F7Q2K"). Lower-case and
// letters-only words are not codes here: "below", "CODE", "iPhone15" would be too easy to misread.
const TOKEN = /(?<![\w-])[A-Z0-9]{4,10}(?![\w-])/g;

function groupedValue(m: string): string | null {
  const groups = m.split(/[ \u00A0-]/);
  const total = groups.join('').length;
  // Equal groups (or single digits per box) are how codes are printed; "482913 2024" is two numbers.
  const sameSize = groups.every((g) => g.length === groups[0]!.length);
  return sameSize && total >= 4 && total <= 8 && (groups[0]!.length > 1 || groups.length >= 4) ? groups.join('') : null;
}

function tokenValue(m: string): string | null {
  if (/^\d+$/.test(m)) return m.length <= 8 ? m : null;
  return /\d/.test(m) && /[A-Z]/.test(m) ? m : null;
}

/** Candidates in order of position. Each pass blanks what it took, so its parts are not taken again. */
function findCandidates(masked: string): Candidate[] {
  const found: Candidate[] = [];
  let rest = masked;
  const collect = (re: RegExp, valueOf: (m: string) => string | null): void => {
    rest = rest.replace(re, (m: string, start: number) => {
      const value = valueOf(m);
      if (value === null) return m;
      const lineStart = masked.lastIndexOf('\n', start - 1) + 1;
      const nextBreak = masked.indexOf('\n', start);
      const lineEnd = nextBreak === -1 ? masked.length : nextBreak;
      const ownLine = !/[\p{L}\p{N}]/u.test(masked.slice(lineStart, start) + masked.slice(start + m.length, lineEnd));
      found.push({ start, end: start + m.length, value, yearLike: /^(?:19|20)\d\d$/.test(m), sixDigits: /^\d{6}$/.test(m), ownLine });
      return ' '.repeat(m.length);
    });
  };
  collect(GROUPED_DIGITS, groupedValue);
  collect(DASHED, (m) => {
    const joined = m.replace(/-/g, '');
    return joined.length <= 10 && /\d/.test(joined) && /[A-Z]/.test(joined) ? joined : null;
  });
  collect(TOKEN, tokenValue);
  return found.sort((a, b) => a.start - b.start);
}

interface Scored {
  value: string;
  distance: number;
}

/** Index of the first candidate starting at or after `pos` (candidates are sorted). */
function firstFrom(candidates: Candidate[], pos: number): number {
  let lo = 0;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (candidates[mid]!.start < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The candidate closest to a keyword in one source, or null. Whitespace in `source` is already
 * collapsed, so a distance in characters is a distance in words a reader sees.
 */
function keywords(masked: string): Array<{ start: number; end: number }> {
  return [...masked.matchAll(KEYWORD)]
    .filter((k) => !(/code$/i.test(k[0]) && NOT_AN_OTP_CODE.test(masked.slice(Math.max(0, k.index - 20), k.index))))
    .map((k) => ({ start: k.index, end: k.index + k[0].length }));
}

/** Each candidate's distance to its nearest keyword (Infinity when none is close enough). */
function keywordDistances(source: string, found: Array<{ start: number; end: number }>, candidates: Candidate[]): number[] {
  const distances = candidates.map(() => Infinity);
  for (const { start: kStart, end: kEnd } of found) {
    // Only the candidates inside the windows: long newsletters have thousands of both.
    const from = firstFrom(candidates, kStart - BEFORE_WINDOW - MAX_CANDIDATE_LENGTH);
    for (let i = from; i < candidates.length && candidates[i]!.start <= kEnd + AFTER_WINDOW; i++) {
      const c = candidates[i]!;
      let gap: string;
      let distance: number;
      if (c.start >= kEnd) {
        gap = source.slice(kEnd, c.start);
        distance = gap.length;
      } else if (c.end <= kStart) {
        gap = source.slice(c.end, kStart);
        // Before the keyword only within its sentence: "482913 is your code", not a line above.
        if (gap.length > BEFORE_WINDOW || /[.!?\n]/.test(gap)) continue;
        distance = gap.length + BEFORE_PENALTY;
      } else continue;
      if (c.yearLike && !DIRECT.test(gap)) continue;
      if (distance < distances[i]!) distances[i] = distance;
    }
  }
  return distances;
}

function nearestToKeyword(source: string, found: Array<{ start: number; end: number }>, candidates: Candidate[]): Scored | null {
  let best: Scored | null = null;
  keywordDistances(source, found, candidates).forEach((distance, i) => {
    if (distance !== Infinity && (!best || distance < best.distance)) best = { value: candidates[i]!.value, distance };
  });
  return best;
}

/** Collapses runs of blanks (and blank lines), so that layout does not count as distance. */
function normalizeSpace(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n');
}

type OtpPart = 'text' | 'html' | 'subject';

/** The parts in the extractor's order (body before subject: on a tie the body is the fuller statement). */
function otpSources(message: OtpMessage): Array<{ part: OtpPart; source: string }> {
  const parts: Array<[OtpPart, string | null | undefined]> = [['text', message.text], ['html', message.html ? htmlToText(message.html) : null], ['subject', message.subject]];
  return parts.filter((p): p is [OtpPart, string] => typeof p[1] === 'string' && p[1].trim() !== '').map(([part, text]) => ({ part, source: normalizeSpace(text) }));
}

export function extractOtp(message: OtpMessage): string | null {
  const sources = otpSources(message).map((s) => s.source);

  let best: Scored | null = null;
  let anyKeyword = false;
  const sixDigits = new Map<string, boolean>(); // value → seen on a line of its own
  for (const source of sources) {
    const masked = maskLookAlikes(source);
    const candidates = findCandidates(masked);
    const found = keywords(masked);
    anyKeyword ||= found.length > 0;
    const near = nearestToKeyword(source, found, candidates);
    if (near && (!best || near.distance < best.distance)) best = near;
    for (const c of candidates) if (c.sixDigits) sixDigits.set(c.value, (sixDigits.get(c.value) ?? false) || c.ownLine);
  }
  if (best) return best.value;
  // Text and HTML parts repeat the same number, hence distinct values rather than occurrences.
  if (sixDigits.size !== 1) return null;
  const [value, ownLine] = [...sixDigits][0]!;
  return !anyKeyword || ownLine ? value : null;
}

/** A code-shaped string in a message; offsets are in its part as the extractor reads it (HTML as text, blanks collapsed). */
export interface FoundCode {
  value: string;
  part: OtpPart;
  start: number;
  end: number;
  /** The one extractOtp returns. */
  best: boolean;
}

/**
 * Every OTP-like code of a message (look-alikes such as dates, prices and order numbers excluded), each
 * value once: the extractor's pick first, then by closeness to a keyword, then in reading order.
 */
export function extractCodes(message: OtpMessage): FoundCode[] {
  const picked = extractOtp(message);
  const all: Array<FoundCode & { distance: number; order: number }> = [];
  for (const { part, source } of otpSources(message)) {
    const masked = maskLookAlikes(source);
    const candidates = findCandidates(masked);
    const distances = keywordDistances(source, keywords(masked), candidates);
    candidates.forEach((c, i) => all.push({ value: c.value, part, start: c.start, end: c.end, best: false, distance: distances[i]!, order: all.length }));
  }
  const rank = (c: { value: string; distance: number }) => (c.value === picked ? -1 : c.distance);
  all.sort((a, b) => rank(a) - rank(b) || a.order - b.order);
  const seen = new Set<string>();
  const out: FoundCode[] = [];
  for (const { distance: _d, order: _o, ...code } of all) {
    if (seen.has(code.value)) continue;
    seen.add(code.value);
    out.push({ ...code, best: code.value === picked });
  }
  return out;
}
