import { z } from 'zod';
import { settingMessages } from './startup/setting-messages';
import { ExitCode, StartupError } from './startup/failure';

/** Everything the process reads from its environment, parsed and validated once at startup. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .default('file:./data/sessions.db')
    .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), {
      message: 'must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL)',
    }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  DATABASE_CONNECT_TIMEOUT_S: z.coerce.number().int().min(0).max(3600).default(30),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  CORS_ORIGINS: z
    .string()
    .optional()
    .superRefine((raw, ctx) => {
      for (const origin of splitOrigins(raw)) if (!isOrigin(origin)) ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://app.example` });
    }),
  BOOTSTRAP_API_KEY: z.string().min(16).optional(),
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  INBOX_DOMAIN: z
    .string()
    .default('sessions.localhost')
    .refine((d) => /^[a-z0-9.-]+$/i.test(d) && !d.startsWith('.') && !d.endsWith('.'), { message: 'must be a domain name' }),
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  SMTP_HOST: z.string().default('0.0.0.0'),
  MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  SETTLE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  MAX_HELD_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(2000),
  SMTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(20),
  SMTP_MAIL_FROM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  MCP_SESSION_IDLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1800),
  GRAPHQL_MAX_QUERY_BYTES: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  GRAPHQL_MAX_RESPONSE_BYTES: z.coerce.number().int().min(64 * 1024).max(512 * 1024 * 1024).default(16 * 1024 * 1024),
  SMTP_MAX_INFLIGHT_BYTES: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  INBOX_MAX_MESSAGES: z.coerce.number().int().min(1).default(1000),
  INBOX_MAX_BYTES: z.coerce.number().int().min(1024).default(100 * 1024 * 1024),
  TRUST_PROXY: z.string().optional(),
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(1_000).max(10 * 60_000).default(30_000),
  MAX_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(100),
  STREAM_BUFFER_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(1000).max(300_000).default(15_000),
  EVENT_FEED_CATCH_UP_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  /** How long start-up keeps trying to reach PostgreSQL (a database that starts after the gateway). */
  databaseConnectTimeoutS: number;
  introspection: boolean;
  /** undefined: no CORS headers; '*': any origin; otherwise the exact allowed origins. */
  corsOrigins?: '*' | string[];
  bootstrapApiKey?: string;
  authCacheTtlMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  inboxDomain: string;
  /** 0 turns the SMTP server off. */
  smtpPort: number;
  smtpHost: string;
  maxMessageBytes: number;
  /** Requests per API key per minute, across all instances; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** How often deadlines (wait timeouts, inbox expiry) are settled without a request. */
  settleIntervalMs: number;
  /** Long-polls (and streams) one API key may hold open at once on one instance; the next gets 429. */
  maxHeldPerKey: number;
  /** SMTP connections open at once on this instance (all peers), sized for memory. */
  smtpMaxConnections: number;
  /** SMTP connections open at once from one peer address. */
  smtpMaxConnectionsPerIp: number;
  /** How long an SMTP connection may stay open without sending MAIL FROM (from connecting). */
  smtpMailFromTimeoutMs: number;
  /** How long an MCP session nobody uses is kept (its memory; clients that never say goodbye). */
  mcpSessionIdleSeconds: number;
  /** How long an Idempotency-Key's attempt holds its record before a retry may take over (a crashed attempt). */
  idempotencyLeaseMs: number;
  /** Budget for a GraphQL operation's worst-case result size, checked before it runs. */
  graphqlMaxQueryBytes: number;
  /** Hard cap on one GraphQL response's result. */
  graphqlMaxResponseBytes: number;
  /** Bytes of mail being received over SMTP at once, across all connections; past it new mail is told to try later. */
  smtpMaxInflightBytes: number;
  /** Per-inbox quota: stored messages and their bytes. */
  inboxMaxMessages: number;
  inboxMaxBytes: number;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For names the client address (undefined: none). */
  trustProxy?: boolean | number | string;
  /** Failed authentications per client address per minute (per instance) before it gets 429; 0 turns it off. */
  authFailuresPerMinute: number;
  /** How long an authenticated request may take to send its body; 0 = no limit of our own. */
  httpBodyTimeoutMs: number;
  /** Node's headersTimeout: a client has this long to send a request's headers, then its socket is closed. */
  httpHeadersTimeoutMs: number;
  /** Node's requestTimeout: the whole request (headers and body) must arrive within it; 0 = no limit. */
  httpRequestTimeoutMs: number;
  /** Open event streams (subscriptions, SSE) per API key. */
  maxStreamsPerKey: number;
  /** Events held for a stream whose client does not keep up, before it is disconnected. */
  streamBufferEvents: number;
  /** SSE heartbeat comment interval. */
  streamHeartbeatMs: number;
  /** The event feed's periodic catch-up (one query per instance while streams are open). */
  eventFeedCatchUpMs: number;
};

/** Invalid settings: one line per setting, naming it, its value and what it must be. */
export class ConfigError extends StartupError {
  constructor(lines: string[]) {
    super(ExitCode.badSetting, lines);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(settingMessages(envSchema.shape, parsed.error.issues, cleaned));
  const e = parsed.data;
  if (e.HTTP_REQUEST_TIMEOUT_MS > 0 && e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    // The headers are part of the request: a longer headers timeout could never take effect.
    throw new ConfigError([
      `HTTP_HEADERS_TIMEOUT_MS (${e.HTTP_HEADERS_TIMEOUT_MS}) must not be more than HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_REQUEST_TIMEOUT_MS})`,
    ]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutS: e.DATABASE_CONNECT_TIMEOUT_S,
    introspection: e.GRAPHQL_INTROSPECTION,
    corsOrigins: parseCorsOrigins(e.CORS_ORIGINS),
    bootstrapApiKey: e.BOOTSTRAP_API_KEY,
    authCacheTtlMs: e.AUTH_CACHE_TTL_MS,
    logLevel: e.LOG_LEVEL,
    inboxDomain: e.INBOX_DOMAIN.toLowerCase(),
    smtpPort: e.SMTP_PORT,
    smtpHost: e.SMTP_HOST,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    settleIntervalMs: e.SETTLE_INTERVAL_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxHeldPerKey: e.MAX_HELD_PER_KEY,
    smtpMaxConnections: e.SMTP_MAX_CONNECTIONS,
    smtpMaxConnectionsPerIp: e.SMTP_MAX_CONNECTIONS_PER_IP,
    smtpMailFromTimeoutMs: e.SMTP_MAIL_FROM_TIMEOUT_MS,
    mcpSessionIdleSeconds: e.MCP_SESSION_IDLE_SECONDS,
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE_MS,
    graphqlMaxQueryBytes: e.GRAPHQL_MAX_QUERY_BYTES,
    graphqlMaxResponseBytes: e.GRAPHQL_MAX_RESPONSE_BYTES,
    smtpMaxInflightBytes: e.SMTP_MAX_INFLIGHT_BYTES,
    inboxMaxMessages: e.INBOX_MAX_MESSAGES,
    inboxMaxBytes: e.INBOX_MAX_BYTES,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    trustProxy: e.TRUST_PROXY === undefined ? undefined : e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    httpBodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS,
    httpHeadersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    maxStreamsPerKey: e.MAX_STREAMS_PER_KEY,
    streamBufferEvents: e.STREAM_BUFFER_EVENTS,
    streamHeartbeatMs: e.STREAM_HEARTBEAT_MS,
    eventFeedCatchUpMs: e.EVENT_FEED_CATCH_UP_MS,
  };
}

function parseCorsOrigins(raw: string | undefined): Config['corsOrigins'] {
  if (!raw) return undefined;
  if (raw.trim() === '*') return '*';
  return splitOrigins(raw);
}

function splitOrigins(raw: string | undefined): string[] {
  if (!raw || raw.trim() === '*') return [];
  return raw.split(',').map((o) => o.trim()).filter(Boolean);
}

/** What a browser sends in Origin: scheme, host and port only (a path or trailing slash never matches). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
