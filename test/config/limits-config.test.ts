import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration of held long-polls and SMTP connections', () => {
  it('defaults: 1,000 held long-polls per key, 2,000 SMTP connections, 20 per address, 30 s to MAIL FROM', () => {
    expect(loadConfig({})).toMatchObject({ maxHeldPerKey: 1000, smtpMaxConnections: 2000, smtpMaxConnectionsPerIp: 20, smtpMailFromTimeoutMs: 30_000 });
    expect(loadConfig({ MAX_HELD_PER_KEY: '50', SMTP_MAX_CONNECTIONS: '5000', SMTP_MAX_CONNECTIONS_PER_IP: '5', SMTP_MAIL_FROM_TIMEOUT_MS: '10000' })).toMatchObject({
      maxHeldPerKey: 50,
      smtpMaxConnections: 5000,
      smtpMaxConnectionsPerIp: 5,
      smtpMailFromTimeoutMs: 10_000,
    });
  });

  it.each([
    ['MAX_HELD_PER_KEY', '0'],
    ['MAX_HELD_PER_KEY', 'lots'],
    ['SMTP_MAX_CONNECTIONS', '0'],
    ['SMTP_MAX_CONNECTIONS_PER_IP', '-1'],
    ['SMTP_MAIL_FROM_TIMEOUT_MS', '1.5'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
