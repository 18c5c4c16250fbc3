/**
 * The web console (web/, built by `npm run build` into dist/console) at /console: its hashed assets, and
 * its index.html for every other GET below /console so deep links (/console/sessions/<id>) open the app.
 * The page and its files are public; the console asks for an API key and uses only the public GraphQL API.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { sendError } from './errors';
import type { HeaderList } from './security';

export const CONSOLE_PATH = '/console';

/** Where `npm run build` puts the console: <package root>/dist/console, from src/http or dist/http alike. */
export const DEFAULT_CONSOLE_DIR = path.resolve(__dirname, '../../dist/console');

/**
 * The console page's CSP: the server's own, except that images may come from anywhere. The page itself
 * shows none; an HTML mail's sandboxed srcdoc frame inherits this policy and narrows it with its own CSP,
 * which blocks remote images until the reader asks for them. Without this the "load images" button could
 * never work.
 */
export function consolePolicy(serverPolicy: string): string {
  const directives = serverPolicy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d && !d.startsWith('img-src '));
  return [...directives, "img-src 'self' data: https: http:"].join(';');
}

export function consoleRouter(opts: { securityHeaders: HeaderList; dir?: string }): express.Router {
  const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;
  const index = path.join(dir, 'index.html');
  const serverPolicy = opts.securityHeaders.find(([name]) => name.toLowerCase() === 'content-security-policy')?.[1] ?? "default-src 'self'";
  const pagePolicy = consolePolicy(serverPolicy);
  const router = express.Router();

  router.use(
    `${CONSOLE_PATH}/assets`,
    (_req, res, next) => {
      res.locals.route = `${CONSOLE_PATH}/assets`;
      next();
    },
    // File names carry a content hash: cached for good.
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }),
    (_req, res) => sendError(res, 404, 'Not found', 'Route not found'),
  );
  router.get([CONSOLE_PATH, `${CONSOLE_PATH}/*rest`], (_req, res) => {
    res.locals.route = CONSOLE_PATH;
    if (!existsSync(index)) {
      res.status(503).type('text').send('The console is not built: run `npm run build` (it builds web/ into dist/console), then reload.\n');
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.set('Content-Security-Policy', pagePolicy);
    res.sendFile(index, (err) => err && !res.headersSent && sendError(res, 500, 'Internal server error', 'The console page could not be read'));
  });
  return router;
}
