/**
 * The document an HTML mail is shown in. The iframe is sandboxed without allow-scripts (nothing runs) and
 * without allow-forms; this CSP, the document's first element, also stops every fetch the mail would make:
 * no scripts, styles from the mail only inline, no fonts, frames, media or connections, and images only
 * inline (data:, cid:) until the reader asks to load remote ones. Pure, tested.
 */
export function mailCsp(loadRemoteImages: boolean): string {
  const img = loadRemoteImages ? "img-src data: https: http:" : 'img-src data:';
  return [
    "default-src 'none'",
    img,
    "style-src 'unsafe-inline'",
    "script-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

const DROPPED_TAGS = /<\/?(?:meta|base|link)(?=[\s/>])[^>]*>?/gi;

/**
 * Removes the mail's <meta> (a refresh navigates the frame, which no CSP stops), <base> and <link> tags.
 * Done on the text, never by parsing it in the console's own document: an inert DOMParser document still
 * fetches some resources (SVG <image>) under the console's policy. Repeated until nothing changes, so
 * removing one tag cannot join the pieces of another ("<me<meta>ta ...>").
 */
export function stripMailTags(html: string): string {
  let previous: string;
  let current = html;
  do {
    previous = current;
    current = current.replace(DROPPED_TAGS, '');
  } while (current !== previous);
  return current;
}

/**
 * The iframe's srcdoc: our CSP and base target first, then the mail's HTML (stripped by stripMailTags).
 * Links open in a new tab, outside the sandbox, only when the reader clicks one.
 */
export function mailSrcdoc(html: string, loadRemoteImages: boolean): string {
  return (
    '<!doctype html><html><head>' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(mailCsp(loadRemoteImages))}">` +
    '<meta charset="utf-8"><base target="_blank">' +
    // Mail is written for a white page, whatever the console's theme.
    '<style>html{color-scheme:light;background:#fff;color:#111}body{margin:12px;font:15px/1.5 system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%}</style>' +
    '</head><body>' +
    (loadRemoteImages ? stripMailTags(html) : holdImageSources(stripMailTags(html))) +
    '</body></html>'
  );
}

const IMAGE_SOURCE = /(<(?:img|source|image|input|video)\b[^>]*?\s)(src|srcset|poster|href|xlink:href)(\s*=)/gi;

/**
 * Until the reader loads images, image sources are renamed (data-held-src=…) so the frame has nothing to
 * fetch at all. The CSP refuses such fetches too, but Chromium was seen (under load) requesting a relative
 * <img src> of a mail from the console's origin before the frame's CSP applied: the mail's own markup must
 * not be the only thing standing between it and a request.
 */
export function holdImageSources(html: string): string {
  return html.replace(IMAGE_SOURCE, '$1data-held-$2$3');
}

/** Counts the remote images a mail asks for (<img src="http...">), for the "load N images" offer. */
export function countRemoteImages(html: string): number {
  return (html.match(/<img\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?\/\//gi) ?? []).length;
}
