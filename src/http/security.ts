import helmet from 'helmet';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Security headers on every response, as helmet configures them. The CSP is strict (our own scripts
 * only, no inline script) and still lets the GraphQL IDE run: its stylesheet embeds fonts as data: URLs
 * and its dialogs inject a <style> element.
 */
const policy = helmet({
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

/**
 * helmet's headers, worked out once. They depend on nothing in the request, and running helmet's dozen
 * middlewares on every request costs more than the rest of a fast route's HTTP handling; helmet stays
 * the one that decides what they are.
 */
export function securityHeaders(): HeaderList {
  const headers: Array<[string, string]> = [];
  let finished = false;
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void headers.push([name, String(value)]),
    removeHeader: () => {},
    getHeader: () => undefined,
  };
  policy({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // Guards the assumption above: a policy that needed the request, or went async, would be wrong here.
  if (!finished || headers.length === 0) throw new Error('helmet did not produce its headers synchronously');
  return headers;
}
