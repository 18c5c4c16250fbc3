import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { startGatewayProcess } from '../support/process';

describe('configuration', () => {
  it('has working defaults: SQLite in ./data, port 4000, SMTP on 2525, 600 requests/minute', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ databaseUrl: 'file:./data/sessions.db', port: 4000, smtpPort: 2525, rateLimitPerMinute: 600, introspection: true });
  });

  it.each([
    ['DATABASE_URL', 'mysql://root@localhost/db', 'DATABASE_URL: must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL)'],
    ['DATABASE_URL', 'sessions.db', 'DATABASE_URL: must be a file: URL'],
    ['PORT', '70000', 'PORT'],
    ['GRAPHQL_INTROSPECTION', 'maybe', 'GRAPHQL_INTROSPECTION'],
    ['INBOX_DOMAIN', 'not a domain', 'INBOX_DOMAIN: must be a domain name'],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('postgresql:// and postgres:// select PostgreSQL; CORS_ORIGINS is parsed', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });

  it('the server refuses to start on an unsupported DATABASE_URL, saying why, with exit code 1', async () => {
    const failed = startGatewayProcess({ DATABASE_URL: 'mysql://root@localhost/db' });
    await expect(failed).rejects.toThrow(/exited with 1 before listening[\s\S]*DATABASE_URL: must be a file: URL \(SQLite\) or a postgresql:\/\/ URL/);
  });
});
