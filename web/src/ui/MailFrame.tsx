import { useMemo, useState } from 'react';
import { countRemoteImages, mailSrcdoc } from '../lib/mail-frame';

/**
 * An HTML mail in a sandboxed iframe: no allow-scripts, no allow-forms, no allow-same-origin; its CSP
 * blocks every remote load, images included until the reader clicks "Load remote images".
 */
export function MailFrame(props: { html: string }) {
  const [loadImages, setLoadImages] = useState(false);
  const remoteImages = useMemo(() => countRemoteImages(props.html), [props.html]);
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
        srcDoc={mailSrcdoc(props.html, loadImages)}
      />
    </div>
  );
}
