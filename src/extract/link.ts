import LinkifyIt from 'linkify-it';
import { decodeEntities, htmlToText } from './html-text';

/**
 * Magic-link extraction for magic_link waits: the sign-in / verify / confirm / reset / activate link.
 *
 * Order: HTML <a href> first (the button the sender meant to be clicked), then URLs written in the
 * text part, then URLs written in the HTML's text. A link qualifies when its anchor text, its URL, or
 * (for written URLs) the words just before it say what it is for. Last resort: when the subject says
 * so ("Your sign-in link") and the body has exactly one link that carries a token, that link.
 */
export interface LinkMessage {
  text?: string | null;
  html?: string | null;
  subject?: string | null;
}

interface Link {
  url: string;
  /** Words a reader sees for the link: anchor text, or for written URLs the text before them. */
  label: string;
}

const PURPOSE_WORDS =
  /\b(?:magic|verify|verification|confirm|confirmation|reset|sign[- ]?in|log[- ]?in|activate|activation|auth|authenticate|authentication|token)\b/i;
// URLs glue words together ("verifyEmail", "magiclink"), so substrings; "author" is not "auth".
const PURPOSE_IN_URL = /magic|verif|confirm|reset|sign[-_]?in|log[-_]?in|activat|auth(?!or)|token/i;
const EXCLUDED_LABEL =
  /unsubscribe|opt[- ]?out|privacy|\bterms\b|preferences|view (?:it |this (?:email |message )?)?(?:in|on) (?:your |a |the )?browser|web ?version/i;
// Only when the label names no purpose: "If you need help, reset your password here:" is the link.
const HELP_LABEL = /\bhelp\b|\bsupport\b|contact us|\bfaq\b/i;
// Checked on host and path only: query strings carry random tokens that may spell anything.
const EXCLUDED_LOCATION =
  /unsub|opt-?out|privacy|terms|(?:^|[./-])help(?:$|[./-])|(?:^|[./-])support(?:$|[./-])|preferences|webversion|view-?in-?browser|pixel|beacon|\.(?:png|jpe?g|gif|svg|webp|bmp|ico)$/i;

function parseHttpUrl(raw: string): URL | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function isExcluded(link: Link, url: URL): boolean {
  return (
    EXCLUDED_LABEL.test(link.label) ||
    (HELP_LABEL.test(link.label) && !PURPOSE_WORDS.test(link.label)) ||
    EXCLUDED_LOCATION.test(url.hostname + url.pathname)
  );
}

/** A magic link must carry a secret: a query string or a long path segment. Home/nav links do not. */
function carriesToken(url: URL): boolean {
  return url.search.length > 1 || url.pathname.split('/').some((seg) => seg.length >= 12);
}

/** Higher is better; 0 means the link does not say it is a magic link. */
function score(link: Link, url: URL): number {
  const inLabel = PURPOSE_WORDS.test(link.label);
  const inUrl = PURPOSE_IN_URL.test(link.url);
  if (!inLabel && !inUrl) return 0;
  // A "Log in" nav link to /login must lose to "Verify" → /v?t=…: the token outweighs the URL word.
  return (inLabel ? 2 : 0) + (inUrl ? 1 : 0) + (carriesToken(url) ? 2 : 0);
}

// The body may not contain another <a: anchors do not nest, and an unclosed one must not make every
// later <a scan to the end of the document.
const ANCHOR = /<a\b([^>]*)>((?:(?!<\/?a\b)[\s\S])*)<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
// Button images and icon links describe themselves in alt/title/aria-label rather than text.
const LABEL_ATTR = /\b(?:alt|title|aria-label)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

function anchors(html: string): Link[] {
  const links: Link[] = [];
  for (const [, attrs = '', inner = ''] of html.matchAll(ANCHOR)) {
    const href = HREF.exec(attrs);
    if (!href) continue;
    // Long hrefs get folded over lines by some mailers; whitespace is never part of a URL.
    const url = decodeEntities(href[1] ?? href[2] ?? href[3] ?? '').replace(/\s+/g, '');
    const attrLabels = [...(attrs + inner).matchAll(LABEL_ATTR)].map((m) => decodeEntities(m[1] ?? m[2] ?? ''));
    links.push({ url, label: [htmlToText(inner), ...attrLabels].join(' ') });
  }
  return links;
}

/**
 * Written URLs are found by linkify-it (the URL finder of markdown-it): trailing punctuation, brackets
 * and quotes are handled as readers expect. Only explicit http(s) links count: "acme.com" in prose is
 * not a link a test or an agent should follow.
 */
const linkify = new LinkifyIt({}, { fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/** The trimmed text of the line that ends just before `end`, or of the nearest non-blank line above. */
function labelBefore(text: string, end: number): string {
  let lineEnd = end;
  let lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
  let line = text.slice(lineStart, lineEnd).trim();
  // "Sign in to Acme:\n\nhttps://…": a URL on its own line is labelled by the line above it.
  while (line === '' && lineStart > 0) {
    lineEnd = lineStart - 1;
    lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    line = text.slice(lineStart, lineEnd).trim();
  }
  return line;
}

function writtenUrls(text: string): Link[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  return (linkify.match(normalized) ?? [])
    .filter((m) => m.schema === 'http:' || m.schema === 'https:')
    .map((m) => ({ url: m.url, label: labelBefore(normalized, m.index) }));
}

/** Every link of a message, each URL once, in reading order: HTML anchors, then URLs written in the text, then in the HTML's text. */
export interface FoundLink {
  url: string;
  /** The anchor text (or alt/title), or for a written URL the words just before it. */
  text: string;
  /** The one extractMagicLink returns. */
  picked: boolean;
}

export function extractLinks(message: LinkMessage): FoundLink[] {
  const picked = extractMagicLink(message);
  const html = message.html ?? '';
  const seen = new Set<string>();
  const out: FoundLink[] = [];
  for (const link of [...anchors(html), ...writtenUrls(message.text ?? ''), ...writtenUrls(html ? htmlToText(html) : '')]) {
    if (seen.has(link.url) || !parseHttpUrl(link.url)) continue;
    seen.add(link.url);
    out.push({ url: link.url, text: link.label.replace(/\s+/g, ' ').trim(), picked: link.url === picked });
  }
  return out;
}

function best(links: Link[]): string | null {
  let winner: { url: string; score: number } | null = null;
  for (const link of links) {
    const url = parseHttpUrl(link.url);
    if (!url || isExcluded(link, url)) continue;
    const s = score(link, url);
    if (s > 0 && (!winner || s > winner.score)) winner = { url: link.url, score: s };
  }
  return winner?.url ?? null;
}

export function extractMagicLink(message: LinkMessage): string | null {
  const html = message.html ?? '';
  const groups = [anchors(html), writtenUrls(message.text ?? ''), writtenUrls(html ? htmlToText(html) : '')];
  for (const links of groups) {
    const found = best(links);
    if (found) return found;
  }
  if (!PURPOSE_WORDS.test(message.subject ?? '')) return null;
  const tokenLinks = new Set(
    groups.flat().filter((link) => {
      const url = parseHttpUrl(link.url);
      return url !== null && !isExcluded(link, url) && carriesToken(url);
    }).map((link) => link.url),
  );
  return tokenLinks.size === 1 ? [...tokenLinks][0]! : null;
}
