import { SessionsGatewayError } from './errors.js';
import { Inboxes } from './resources/inboxes.js';
import { Messages } from './resources/messages.js';
import { Sessions } from './resources/sessions.js';
import { Waits } from './resources/waits.js';
import { Transport } from './transport.js';

export interface ClientOptions {
  /** The API key (`sgk_…`); default: the SESSIONS_GATEWAY_API_KEY environment variable. */
  apiKey?: string;
  /** The server; default: SESSIONS_GATEWAY_URL, else http://localhost:4000. */
  baseUrl?: string;
  /** Retries of reads and creates on connection errors, 429 and 5xx (default 2). */
  maxRetries?: number;
  /** Milliseconds per attempt (default 60000). */
  timeout?: number;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
}

export const DEFAULT_BASE_URL = 'http://localhost:4000';

/** Reads an environment variable where there is one (Node, Deno, Bun); browsers have none. */
function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.[name];
  return value === '' ? undefined : value;
}

/**
 * The sessions-gateway client:
 *
 *   const client = new SessionsGateway({ apiKey, baseUrl });
 *   const session = await client.sessions.create({ name: "user-signup-flow" });
 */
export class SessionsGateway {
  readonly sessions: Sessions;
  readonly inboxes: Inboxes;
  readonly waits: Waits;
  readonly messages: Messages;
  readonly baseUrl: string;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? env('SESSIONS_GATEWAY_API_KEY');
    if (!apiKey) {
      throw new SessionsGatewayError({
        error: 'Missing API key',
        message: 'No API key: pass { apiKey } to new SessionsGateway() or set SESSIONS_GATEWAY_API_KEY',
      });
    }
    this.baseUrl = options.baseUrl ?? env('SESSIONS_GATEWAY_URL') ?? DEFAULT_BASE_URL;
    const timeout = options.timeout ?? 60_000;
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    const maxRetries = options.maxRetries ?? 2;
    const transport = new Transport({ apiKey, baseUrl: this.baseUrl, maxRetries, timeout, fetch: fetchImpl });
    this.sessions = new Sessions(transport, maxRetries);
    this.messages = new Messages(transport);
    this.waits = new Waits(transport, timeout);
    this.inboxes = new Inboxes(transport, this.messages, this.waits);
  }
}
