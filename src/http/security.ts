import helmet from 'helmet';

/**
 * Security headers on every response. The CSP is strict (our own scripts only, no inline script) and
 * still lets the GraphQL IDE run: its stylesheet embeds fonts as data: URLs and its dialogs inject a
 * <style> element.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        fontSrc: ["'self'", 'data:'],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // An API answers cross-origin fetches (CORS decides who); CORP would only get in a browser's way.
    crossOriginResourcePolicy: false,
  });
}
