import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 over a bare TCP socket, for the tests that need the exact bytes on the wire: header values
 * as written (a trailing space, a quoted charset), Transfer-Encoding: chunked, a Content-Length that
 * disagrees with the body, a body sent in several writes. Nothing is normalized on the way.
 */

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  text: string;
  /** The text parsed as JSON, or undefined when it is not JSON. */
  body: any;
}

const DEADLINE_MS = 5_000;

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => {
      this.ended = true;
      this.notify();
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Half-closes: the server sees the end of the request stream. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Whether the connection is closed, whatever is left unread (a timeout's bare 408, say). */
  get socketClosed(): boolean {
    return this.ended;
  }

  /** Whether the server has closed the connection (after the responses read so far). */
  get closed(): boolean {
    return this.ended && this.buffer.length === 0;
  }

  /** The next complete response; rejects when none arrives within the deadline. */
  async response(timeoutMs = DEADLINE_MS): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.take();
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection closed without a (complete) response: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Resolves true when nothing at all arrives within `ms` (the server is still waiting for bytes). */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.buffer.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.buffer.length === before && !this.ended;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** One response off the front of the buffer, when it is all there. */
  private take(): RawResponse | null {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return null;
    const [statusLine, ...lines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const start = headEnd + 4;
    let end: number;
    if (headers['content-length'] !== undefined) {
      end = start + Number(headers['content-length']);
      if (this.buffer.length < end) return null;
    } else {
      // No length (Node's own bare answers): the body runs to the close.
      if (!this.ended) return null;
      end = this.buffer.length;
    }
    const text = this.buffer.subarray(start, end).toString('utf8');
    this.buffer = this.buffer.subarray(end);
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status, headers, text, body };
  }
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Written exactly as given, in this order (Host and Connection: close are added unless present). */
  headers?: [string, string][];
  body?: string | Buffer;
  /**
   * How the body is framed: 'length' adds a Content-Length of its byte length (the default), 'chunked'
   * sends it with Transfer-Encoding: chunked in two chunks, 'none' adds nothing (the headers given say it).
   */
  framing?: 'length' | 'chunked' | 'none';
}

/** The request's bytes. */
export function encodeRequest(req: RawRequest): Buffer {
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const headers = [...(req.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', '127.0.0.1']);
  if (!has('connection')) headers.push(['Connection', 'close']);
  const framing = req.framing ?? 'length';
  let payload = body;
  if (framing === 'length' && req.body !== undefined) headers.push(['Content-Length', String(body.length)]);
  if (framing === 'chunked') {
    headers.push(['Transfer-Encoding', 'chunked']);
    const half = Math.ceil(body.length / 2);
    const chunk = (part: Buffer) => (part.length ? [Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')] : []);
    payload = Buffer.concat([...chunk(body.subarray(0, half)), ...chunk(body.subarray(half)), Buffer.from('0\r\n\r\n')]);
  }
  const head = `${req.method ?? 'POST'} ${req.path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** One request on its own connection, and its response. */
export async function rawRequest(url: string, req: RawRequest): Promise<RawResponse> {
  const conn = await RawConnection.open(url);
  try {
    // Not awaited: the server may answer (413, 415) and close before it has read the whole body.
    conn.write(encodeRequest(req)).catch(() => {});
    return await conn.response();
  } finally {
    conn.destroy();
  }
}
