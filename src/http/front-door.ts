/**
 * The front door at `/`: what a person who opens the server's address finds, and what an API client
 * asking for JSON finds. Public (it links to public pages and names the keyed ones; nothing secret).
 *
 *   GET|HEAD /  Accept: text/html or anything that does not prefer JSON: a small HTML page (no script,
 *               no other host, inline CSS that the CSP's style-src allows, light and dark).
 *               Accept: application/json: the same links and the version as JSON.
 */
import express from 'express';
import { VERSION } from '../common/version';
import { DOCS_PATH, OPENAPI_JSON_PATH } from './api-docs';
import { CONSOLE_PATH } from './console';
import { sendError } from './errors';

export interface FrontDoorLink {
  href: string;
  title: string;
  description: string;
  /** True when the target wants an API key (`Authorization: Bearer <key>`). */
  needsKey: boolean;
}

/** Every link, keyed by a stable name API clients can look up. Paths only: they hold behind any proxy. */
export const FRONT_DOOR_LINKS: Readonly<Record<string, FrontDoorLink>> = {
  graphqlIde: { href: '/graphql', title: 'GraphQL IDE', description: 'GraphiQL in the browser: enter your API key, explore the schema, run queries and subscriptions.', needsKey: true },
  restDocs: { href: DOCS_PATH, title: 'REST API reference', description: 'Every REST route, its parameters and answers.', needsKey: false },
  openapi: { href: OPENAPI_JSON_PATH, title: 'OpenAPI document', description: 'The REST API as OpenAPI JSON, for client generators.', needsKey: false },
  console: { href: CONSOLE_PATH, title: 'Console', description: 'Browse sessions, inboxes, messages and waits (asks for an API key).', needsKey: true },
  mcp: { href: '/mcp', title: 'MCP endpoint', description: 'Model Context Protocol (Streamable HTTP) for AI agents: the API as tools. Not a web page.', needsKey: true },
  health: { href: '/healthz', title: 'Health', description: 'Liveness: the process answers.', needsKey: false },
  ready: { href: '/readyz', title: 'Readiness', description: 'The database answers (503 when it does not).', needsKey: false },
  metrics: { href: '/metrics', title: 'Metrics', description: 'Prometheus metrics.', needsKey: false },
};

export interface FrontDoorIndex {
  name: 'sessions-gateway';
  version: string;
  links: typeof FRONT_DOOR_LINKS;
}

export function frontDoorIndex(): FrontDoorIndex {
  return { name: 'sessions-gateway', version: VERSION, links: FRONT_DOOR_LINKS };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `:root { color-scheme: light dark; --bg: #fff; --fg: #1f2937; --muted: #4b5563; --line: #e5e7eb; --link: #1d4ed8; --tag: #f3f4f6; }
@media (prefers-color-scheme: dark) { :root { --bg: #111827; --fg: #e5e7eb; --muted: #9ca3af; --line: #374151; --link: #93c5fd; --tag: #1f2937; } }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 44rem; margin: 0 auto; padding: 2rem 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.version { color: var(--muted); margin: 0 0 1.5rem; }
ul { list-style: none; padding: 0; margin: 0; }
li { padding: .75rem 0; border-top: 1px solid var(--line); }
a { color: var(--link); font-weight: 600; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
.desc { display: block; color: var(--muted); }
.tag { font-size: .75rem; background: var(--tag); color: var(--muted); border-radius: 4px; padding: 0 .4em; margin-left: .4em; }
footer { color: var(--muted); font-size: .875rem; margin-top: 1.5rem; }
`;

/** The page: static, so it is built once. */
export function frontDoorPage(): string {
  const items = Object.values(FRONT_DOOR_LINKS)
    .map(
      (l) =>
        `    <li><a href="${escapeHtml(l.href)}">${escapeHtml(l.title)}</a> <code>${escapeHtml(l.href)}</code>` +
        `${l.needsKey ? '<span class="tag">API key</span>' : ''}<span class="desc">${escapeHtml(l.description)}</span></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>sessions-gateway</title>
  <link rel="icon" href="data:,">
  <style>
${CSS}  </style>
</head>
<body>
<main>
  <h1>sessions-gateway</h1>
  <p class="version">Version ${escapeHtml(VERSION)}</p>
  <ul>
${items}
  </ul>
  <footer>Keyed endpoints take <code>Authorization: Bearer &lt;key&gt;</code>. A new key: <code>npm run keys -- create</code>.</footer>
</main>
</body>
</html>
`;
}

export function frontDoorRouter(): express.Router {
  const html = frontDoorPage();
  const json = JSON.stringify(frontDoorIndex());
  const router = express.Router();
  // GET also answers HEAD (Express), with the same headers and no body.
  router.get('/', (req, res) => {
    res.locals.route = '/';
    res.vary('Accept');
    res.set('Cache-Control', 'no-cache');
    // HTML first: no Accept, */* and browsers get the page; only a client that asks for JSON gets JSON.
    const type = req.accepts(['text/html', 'application/json']);
    if (type === 'application/json') return void res.type('json').send(json);
    if (type === 'text/html') return void res.type('html').send(html);
    sendError(res, 406, 'Not acceptable', 'This resource is available as text/html or application/json');
  });
  return router;
}
