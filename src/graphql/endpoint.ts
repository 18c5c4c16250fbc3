import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Apollo Server on Express, as `@as-integrations/express5` does it, minus two costs every request paid
 * there: the legacy `url.parse` of the whole URL (for the query string only) and Express's `res.send`
 * (content negotiation and ETag work for a body that is already a string with its type set).
 */
export function graphqlEndpoint<C extends BaseContext>(server: ApolloServer<C>, context: (args: { req: Request; res: Response }) => Promise<C>): RequestHandler {
  server.assertStarted('graphqlEndpoint()');
  return async (req, res, next) => {
    try {
      const headers = new HeaderMap();
      for (const key in req.headers) {
        const value = req.headers[key];
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: searchOf(req.url), body: req.body },
        context: () => context({ req, res }),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.setHeader('Content-Length', Buffer.byteLength(response.body.string));
        res.end(req.method === 'HEAD' ? undefined : response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      next(err);
    }
  };
}

/** The query string of a request target, with its "?" ('' when there is none); a fragment is not part of it. */
export function searchOf(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return '';
  const hash = url.indexOf('#', query);
  return hash === -1 ? url.slice(query) : url.slice(query, hash);
}
