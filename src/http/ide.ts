/**
 * Self-contained GraphQL IDE (GraphiQL 3) served from our own origin.
 *
 * Apollo's default landing page pulls its IDE from a CDN, which fails offline and
 * cannot live under a strict Content-Security-Policy. This router serves GraphiQL's
 * UMD build, React 18's UMD builds and a tiny bootstrap script from node_modules, so
 * the page loads nothing from another host and has no inline script.
 *
 * Mount it BEFORE Apollo's middleware (and before auth: the page and its assets are
 * public; the user types the API key into the page's key field, see ./ide.client.ts):
 *
 *   app.use(ideRouter({ endpoint: '/graphql' }));
 *
 * Routes (for endpoint "/graphql"):
 *   GET /graphql            the IDE page, only for browser navigations (Accept prefers
 *                           text/html and no ?query=); everything else falls through.
 *   GET /graphql/ide/<file> the page's scripts and stylesheets.
 */
import path from 'node:path';
import express from 'express';
import { sendError } from './errors';
import { IDE_BOOTSTRAP_JS, IDE_CSS } from './ide.client';

export interface IdeOptions {
  /** Path of the GraphQL endpoint, e.g. "/graphql". The IDE is served at this path. */
  endpoint: string;
}

/** Resolves a file inside an installed package (works without the package exporting it). */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Files served under `<endpoint>/ide/`: name -> absolute path in node_modules. */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'react.production.min.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.production.min.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  'graphiql.min.js': packageFile('graphiql', 'graphiql.min.js'),
  'graphiql.min.css': packageFile('graphiql', 'graphiql.min.css'),
  'graphql-ws.min.js': packageFile('graphql-ws', 'umd/graphql-ws.min.js'),
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function normalizeEndpoint(endpoint: string): string {
  if (!endpoint.startsWith('/')) throw new Error(`ideRouter: endpoint must be a path starting with "/", got ${endpoint}`);
  return endpoint.length > 1 ? endpoint.replace(/\/+$/, '') : endpoint;
}

function assetBase(endpoint: string): string {
  return `${endpoint === '/' ? '' : endpoint}/ide`;
}

/** The IDE's HTML page: same-origin assets only, no inline script or style. */
export function idePage(opts: IdeOptions): string {
  const endpoint = normalizeEndpoint(opts.endpoint);
  const a = escapeHtml(assetBase(endpoint));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>sessions-gateway GraphQL IDE</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${a}/graphiql.min.css">
  <link rel="stylesheet" href="${a}/ide.css">
</head>
<body>
  <header class="ide-bar">
    <span class="ide-title"><a href="/">sessions-gateway</a> GraphQL IDE</span>
    <form id="ide-key-form" class="ide-key" autocomplete="off">
      <label for="ide-key">API key</label>
      <input id="ide-key" name="api-key" type="password" placeholder="sgk_…" spellcheck="false" autocomplete="off">
      <label class="ide-remember"><input id="ide-remember" type="checkbox"> remember on this device</label>
      <span id="ide-key-status" role="status" aria-live="polite"></span>
    </form>
  </header>
  <div id="graphiql" data-endpoint="${escapeHtml(endpoint)}">Loading the GraphQL IDE…</div>
  <script src="${a}/react.production.min.js"></script>
  <script src="${a}/react-dom.production.min.js"></script>
  <script src="${a}/graphiql.min.js"></script>
  <script src="${a}/graphql-ws.min.js"></script>
  <script src="${a}/ide.js"></script>
</body>
</html>
`;
}

/** True for a browser navigation (Accept prefers HTML over the GraphQL JSON types). */
function wantsHtml(req: express.Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

export function ideRouter(opts: IdeOptions): express.Router {
  const endpoint = normalizeEndpoint(opts.endpoint);
  const base = assetBase(endpoint);
  const html = idePage({ endpoint });
  const router = express.Router();

  router.get(endpoint, (req, res, next) => {
    // GraphQL-over-GET (`?query=`) and non-browser clients go on to Apollo.
    if (req.query.query !== undefined || !wantsHtml(req)) return next();
    res.vary('Accept');
    res.set('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });

  const ownFiles: Record<string, { type: string; body: string }> = {
    'ide.js': { type: 'js', body: IDE_BOOTSTRAP_JS },
    'ide.css': { type: 'css', body: IDE_CSS },
  };
  for (const [name, file] of Object.entries(ownFiles)) {
    router.get(`${base}/${name}`, (_req, res) => {
      res.set('Cache-Control', 'no-cache');
      res.type(file.type).send(file.body);
    });
  }
  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    // An explicit allow-list (res.sendFile) rather than express.static on whole package
    // directories, so nothing else from node_modules is reachable.
    router.get(`${base}/${name}`, (_req, res, next) => {
      res.sendFile(file, { maxAge: '1d' }, (err) => err && next(err));
    });
  }
  // Anything else under the asset path is not a file we serve; without this it would fall through to
  // the GraphQL endpoint mounted at the same prefix and get a misleading GraphQL error.
  router.all(`${base}/*rest`, (_req, res) => sendError(res, 404, 'Not found', 'Route not found'));

  return router;
}
