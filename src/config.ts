import { z } from 'zod';

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
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  CORS_ORIGINS: z.string().optional(),
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
  /** Open event streams (subscriptions, SSE) per API key. */
  maxStreamsPerKey: number;
  /** Events held for a stream whose client does not keep up, before it is disconnected. */
  streamBufferEvents: number;
  /** SSE heartbeat comment interval. */
  streamHeartbeatMs: number;
  /** The event feed's periodic catch-up (one query per instance while streams are open). */
  eventFeedCatchUpMs: number;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
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
    maxStreamsPerKey: e.MAX_STREAMS_PER_KEY,
    streamBufferEvents: e.STREAM_BUFFER_EVENTS,
    streamHeartbeatMs: e.STREAM_HEARTBEAT_MS,
    eventFeedCatchUpMs: e.EVENT_FEED_CATCH_UP_MS,
  };
}

function parseCorsOrigins(raw: string | undefined): Config['corsOrigins'] {
  if (!raw) return undefined;
  if (raw.trim() === '*') return '*';
  return raw.split(',').map((o) => o.trim()).filter(Boolean);
}
