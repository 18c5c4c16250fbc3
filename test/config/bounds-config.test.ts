import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

/** The tenant bounds' settings: documented defaults, validated values. */
describe('bounds configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      graphqlMaxQueryBytes: 64 * 1024 * 1024,
      graphqlMaxResponseBytes: 16 * 1024 * 1024,
      smtpMaxInflightBytes: 64 * 1024 * 1024,
      inboxMaxMessages: 1000,
      inboxMaxBytes: 100 * 1024 * 1024,
      authFailuresPerMinute: 30,
      httpBodyTimeoutMs: 30_000,
      idempotencyLeaseMs: 30_000,
      trustProxy: undefined,
    });
  });

  it('parses TRUST_PROXY as Express does: booleans, hop counts, or address lists', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it.each([
    ['GRAPHQL_MAX_RESPONSE_BYTES', '1000'],
    ['GRAPHQL_MAX_QUERY_BYTES', 'lots'],
    ['SMTP_MAX_INFLIGHT_BYTES', '10'],
    ['INBOX_MAX_MESSAGES', '0'],
    ['AUTH_FAILURES_PER_MINUTE', '-1'],
    ['HTTP_BODY_TIMEOUT_MS', '1.5'],
    ['IDEMPOTENCY_LEASE_MS', '10'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
