import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * node:http's server for an Express app, with every request and response born with the prototype
 * Express would give it. Use it wherever the app is served (main.ts and the tests do).
 *
 * Express re-parents node's request and response as they arrive (`Object.setPrototypeOf(req,
 * app.request)` in app.handle). V8 then treats those objects, and the node code that touches them for
 * the rest of the request (headers, writes, stream and socket bookkeeping), on slower paths: a bare
 * node:http server that only did the same re-parenting went from 33 to 90–100 µs of CPU time per
 * request, and the gateway's by-id reads saved about a third of theirs (bench/README.md, "Express's
 * prototype swap"; expressjs/express#5998 proposes the same remedy). Here node constructs subclasses
 * of its own classes, placed under Express's request and response prototypes, and those subclasses'
 * prototypes become `app.request` and `app.response`: Express's re-parenting finds the prototype
 * already in place and changes nothing. Express itself runs unchanged.
 */
export function createHttpServer(app: Express): Server {
  const { AppRequest, AppResponse } = classesFor(app);
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}

interface AppClasses {
  AppRequest: typeof IncomingMessage;
  AppResponse: typeof ServerResponse;
}

/** One pair per app: a second server for the same app must not stack a second layer of prototypes. */
const made = new WeakMap<Express, AppClasses>();

function classesFor(app: Express): AppClasses {
  let classes = made.get(app);
  if (!classes) {
    class AppRequest extends IncomingMessage {}
    standIn(AppRequest.prototype, app.request);
    app.request = AppRequest.prototype as Express['request'];
    class AppResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {}
    standIn(AppResponse.prototype, app.response);
    app.response = AppResponse.prototype as unknown as Express['response'];
    classes = { AppRequest, AppResponse };
    made.set(app, classes);
  }
  return classes;
}

/** Puts `prototype` where Express's `replaced` stands: the same prototype above it and its own properties (`app`). */
function standIn(prototype: object, replaced: object): void {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(replaced));
  // Its own properties but `constructor`: the subclass keeps its own.
  const own = Object.entries(Object.getOwnPropertyDescriptors(replaced)).filter(([name]) => name !== 'constructor');
  Object.defineProperties(prototype, Object.fromEntries(own));
}
