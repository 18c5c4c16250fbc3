import express, { type Request, type RequestHandler, type Response } from 'express';

/** The errors below carry body-parser's `type`s, so httpErrorHandler answers them exactly as its own. */
function readError(status: number, type: string, message: string): Error & { status: number; type: string } {
  return Object.assign(new Error(message), { status, type });
}

/** Sets req.body from the whole body, or returns the error to pass on. */
function parsed(req: Request, body: Buffer): Error | undefined {
  const text = body.toString('utf8');
  // As body-parser: a byte-order mark is dropped, and only an object or an array is JSON here ("strict").
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.length === 0) {
    // A body of only a byte-order mark is an empty body, which body-parser reads as {}.
    req.body = {};
    return undefined;
  }
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/.exec(json)?.[1];
  if (first !== '{' && first !== '[') return readError(400, 'entity.parse.failed', 'Unexpected token in JSON');
  try {
    req.body = JSON.parse(json);
  } catch (err) {
    return readError(400, 'entity.parse.failed', (err as Error).message);
  }
  return undefined;
}

const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/** A body declared more than this many times its limit is refused unread (refuseFarOversized). */
export const READ_OFF_FACTOR = 4;

/**
 * A 413 for a request whose Content-Length is far over `limit`, to answer at once, unread, on a
 * connection then closed. body-parser reads an oversized body off before answering, so the connection
 * can serve the next request: right for a body a little too large, but a client declaring gigabytes
 * would have all of them read. Compressed bodies are left to body-parser (their length is not the size).
 */
export function refuseFarOversized(req: Request, res: Response, limit: number): Error | undefined {
  const declared = Number(req.headers['content-length']);
  if (!(declared > READ_OFF_FACTOR * limit) || req.headers['content-encoding'] !== undefined) return undefined;
  res.setHeader('Connection', 'close');
  return readError(413, 'entity.too.large', 'request entity too large');
}

/**
 * `express.json({ limit })`, with a fast path for the request nearly every API client sends: plain
 * UTF-8 JSON with a Content-Length within the limit, not compressed. body-parser's general machinery
 * (charset decoding, inflation, streaming limits) costs more than a small request's whole GraphQL
 * execution; anything outside the fast path still goes through it, with the same errors.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const standard = express.json({ limit: limitBytes });
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    // No body at all (most GETs): body-parser would only look and pass (type-is's hasBody is false).
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) return next();
    const type = req.headers['content-type'];
    const plainJson = type !== undefined && PLAIN_JSON.has(type.toLowerCase());
    // Only for the types read here as they are: for others body-parser answers first (415 for a charset…).
    const refused = plainJson ? refuseFarOversized(req, res, limitBytes) : undefined;
    if (refused) return next(refused);
    const length = declared === undefined ? NaN : Number(declared);
    const fast =
      plainJson &&
      req.headers['content-encoding'] === undefined &&
      req.headers['transfer-encoding'] === undefined &&
      Number.isInteger(length) &&
      length > 0 &&
      length <= limitBytes &&
      !req.readableEnded;
    if (!fast) return standard(req, res, next);

    // The body is not parsed yet: Express runs this from Node's 'request' event, which the HTTP parser
    // emits at the end of the headers, before the body bytes, even those of the same packet (a branch
    // that read an already buffered body here was measured: no request of thousands took it).
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onError);
      next(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (received !== length) return done(readError(400, 'request.size.invalid', 'request size did not match content length'));
      done(parsed(req, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)));
    };
    const onAborted = () => done(readError(400, 'request.aborted', 'request aborted'));
    const onError = (err: Error) => done(readError(400, 'request.aborted', err.message));
    req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onError);
  };
}
