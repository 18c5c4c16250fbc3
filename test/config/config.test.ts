import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has working defaults: SQLite in ./data, port 4000, SMTP on 2525, 600 requests/minute', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: 'file:./data/sessions.db', port: 4000, smtpPort: 2525, rateLimitPerMinute: 600, introspection: true });
  });

  it.each([
    ['DATABASE_URL', 'mysql://root@localhost/db', 'DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL) (got "mysql://root@localhost/db")'],
    ['DATABASE_URL', 'mysql://u:pw@h/db', 'DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL) (got "mysql://u:***@h/db")'],
    ['PORT', '70000', 'PORT must be an integer 0–65535 (got "70000")'],
    ['PORT', 'abc', 'PORT must be an integer 0–65535 (got "abc")'],
    ['GRAPHQL_INTROSPECTION', 'maybe', 'GRAPHQL_INTROSPECTION must be one of true, false (got "maybe")'],
    ['INBOX_DOMAIN', 'not a domain', 'INBOX_DOMAIN must be a domain name (got "not a domain")'],
    ['CORS_ORIGINS', 'foo', 'CORS_ORIGINS: "foo" is not an origin like https://app.example'],
    ['CORS_ORIGINS', 'https://a.example/', 'CORS_ORIGINS: "https://a.example/" is not an origin like https://app.example'],
    ['BOOTSTRAP_API_KEY', 'short', 'BOOTSTRAP_API_KEY must be at least 16 characters long (got 5 characters, not shown)'],
    ['MAX_MESSAGE_BYTES', '10', 'MAX_MESSAGE_BYTES must be an integer 1024–104857600 (got "10")'],
    ['RATE_LIMIT_PER_MINUTE', '-1', 'RATE_LIMIT_PER_MINUTE must be an integer ≥ 0 (got "-1")'],
  ])('refuses %s=%s with a sentence naming it, the value and what it must be (exit code 2)', (name, value, message) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(message);
    expect((thrown as ConfigError).exitCode).toBe(2);
  });

  it('postgresql:// and postgres:// select PostgreSQL; CORS_ORIGINS is parsed', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: 'http://localhost:5173' }).corsOrigins).toEqual(['http://localhost:5173']);
    expect(loadConfig({}).databaseConnectTimeoutS).toBe(30);
  });
});
