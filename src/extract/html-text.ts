import { decodeHTML } from 'entities';
/**
 * HTML → readable text for the extractors (OTP and magic link). Not a renderer: it only has to keep
 * words in reading order, with block boundaries as line breaks, so that "code" and the code next
 * to it stay close while unrelated table cells and footers land on other lines.
 */

/**
 * Decodes HTML character references (the full HTML5 table, numeric ones, legacy forms without ";")
 * in one pass, so "&amp;lt;" becomes "&lt;" and not "<" (double decoding would corrupt URLs that
 * legitimately contain "&lt" after an "&amp;"). The `entities` package is the parser htmlparser2 uses.
 */
export function decodeEntities(s: string): string {
  return s.includes('&') ? decodeHTML(s) : s;
}

// Block-level tags end a line; cells only separate words (a row's cells belong together).
const BLOCK_TAG = /<\/?(?:p|div|tr|li|ul|ol|table|tbody|thead|tfoot|h[1-6]|section|article|header|footer|main|nav|aside|blockquote|center|pre|hr|dl|dt|dd|form|fieldset)\b[^>]*>/gi;
const CELL_TAG = /<\/?(?:td|th)\b[^>]*>/gi;
// Preheader padding and soft hyphens are invisible in the mail client, so they must not split a code.
const INVISIBLE = /[\u00AD\u034F\u200B-\u200D\u2060\uFEFF]/g;

export function htmlToText(html: string): string {
  const stripped = html
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(head|style|script|title|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(BLOCK_TAG, '\n')
    .replace(CELL_TAG, ' ')
    // Inline tags vanish without a space, as in a browser: a code split over <span>s stays one word.
    .replace(/<\/?[a-zA-Z][^>]*>/g, '');
  return decodeEntities(stripped)
    .replace(INVISIBLE, '')
    .replace(/[ \t\f\v\u00A0\u2002\u2003\u2009]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
