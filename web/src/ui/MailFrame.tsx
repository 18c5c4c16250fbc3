import { useMemo, useState } from 'react';
import { countRemoteImages, mailSrcdoc } from '../lib/mail-frame';

/**
 * Drops what the frame's CSP cannot stop or what has no business in a mail view: <meta http-equiv>
 * (a refresh navigates), <base> and <link>. DOMParser builds an inert document: nothing in it runs or loads.
 */
function pruneMailHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  doc.querySelectorAll('meta, base, link').forEach((el) => el.remove());
  const styles = [...doc.head.querySelectorAll('style')].map((s) => s.outerHTML).join('');
  return styles + doc.body.innerHTML;
}

/**
 * An HTML mail in a sandboxed iframe: no allow-scripts, no allow-forms, no allow-same-origin; its CSP
 * blocks every remote load, images included until the reader clicks "Load remote images".
 */
export function MailFrame(props: { html: string }) {
  const [loadImages, setLoadImages] = useState(false);
  const cleaned = useMemo(() => pruneMailHtml(props.html), [props.html]);
  const remoteImages = useMemo(() => countRemoteImages(cleaned), [cleaned]);
  return (
    <div className="mail-frame">
      <div className="row">
        {loadImages ? (
          <span>Remote images are shown.</span>
        ) : remoteImages > 0 ? (
          <>
            <span>
              {remoteImages} remote {remoteImages === 1 ? 'image is' : 'images are'} blocked (they can tell the sender you read this).
            </span>
            <button type="button" className="secondary" onClick={() => setLoadImages(true)}>
              Load remote images
            </button>
          </>
        ) : (
          <span>Scripts, forms and remote content are blocked in this view.</span>
        )}
      </div>
      <iframe
        key={loadImages ? 'images' : 'no-images'}
        title="HTML body of the message"
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerPolicy="no-referrer"
        srcDoc={mailSrcdoc(cleaned, loadImages)}
      />
    </div>
  );
}
