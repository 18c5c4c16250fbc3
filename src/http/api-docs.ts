/**
 * The API's own description, served without a key:
 *
 *   GET /api/v1/openapi.json  docs/openapi.yaml as JSON (what the SDKs' types are generated from)
 *   GET /docs                 an API reference page rendered by Redoc's standalone bundle, served from
 *                             node_modules (no CDN: it works offline and under our CSP)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { parse } from 'yaml';
import { sendError } from './errors';

export const OPENAPI_JSON_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/docs';

const OPENAPI_YAML = path.join(__dirname, '..', '..', 'docs', 'openapi.yaml');
const REDOC_BUNDLE = path.join(path.dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');

/**
 * The page's CSP: the app's, plus blob: workers (Redoc runs its search index in a worker it makes
 * from a blob URL). Still our own scripts only, no inline script.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>sessions-gateway API reference</title>
  <link rel="stylesheet" href="${DOCS_PATH}/docs.css">
</head>
<body>
  <redoc spec-url="${OPENAPI_JSON_PATH}"></redoc>
  <script src="${DOCS_PATH}/redoc.standalone.js"></script>
</body>
</html>
`;

const DOCS_CSS = 'body { margin: 0; padding: 0; }\n';

/**
 * Redoc's bundle, read once. Its sidebar footer shows a logo fetched from Redocly's CDN; pointed at an
 * image that cannot load, the footer hides it (its onError), so the page contacts no other host.
 */
function redocBundle(): string {
  const bundle = readFileSync(REDOC_BUNDLE, 'utf8');
  const cdnLogo = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
  if (!bundle.includes(cdnLogo)) return bundle;
  return bundle.replace(cdnLogo, 'data:,');
}

/** The OpenAPI document as JSON text, read once. */
export function openApiJson(file = OPENAPI_YAML): string {
  return JSON.stringify(parse(readFileSync(file, 'utf8')));
}

export function apiDocsRouter(): express.Router {
  // Both are read on first use: most instances never serve them, and tests build many apps.
  let json: string | undefined;
  let bundle: string | undefined;
  const router = express.Router();
  router.get(OPENAPI_JSON_PATH, (_req, res) => {
    res.locals.route = OPENAPI_JSON_PATH;
    res.set('Cache-Control', 'no-cache');
    res.type('json').send((json ??= openApiJson()));
  });
  router.get(DOCS_PATH, (_req, res) => {
    res.locals.route = DOCS_PATH;
    res.set('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.type('html').send(DOCS_HTML);
  });
  router.get(`${DOCS_PATH}/docs.css`, (_req, res) => {
    res.locals.route = DOCS_PATH;
    res.type('css').send(DOCS_CSS);
  });
  router.get(`${DOCS_PATH}/redoc.standalone.js`, (_req, res) => {
    res.locals.route = DOCS_PATH;
    res.set('Cache-Control', 'public, max-age=86400');
    res.type('js').send((bundle ??= redocBundle()));
  });
  router.all(`${DOCS_PATH}/*rest`, (_req, res) => sendError(res, 404, 'Not found', 'Route not found'));
  return router;
}
