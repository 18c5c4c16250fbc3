import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { applyServerTimeouts } from '../../src/http/server-timeouts';

describe('configuration of the HTTP server timeouts', () => {
  it('defaults: 15 s for the headers, 60 s for the whole request; both can be set', () => {
    expect(loadConfig({})).toMatchObject({ httpHeadersTimeoutMs: 15_000, httpRequestTimeoutMs: 60_000 });
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '0' })).toMatchObject({ httpHeadersTimeoutMs: 5_000, httpRequestTimeoutMs: 0 });
  });

  it.each([
    ['HTTP_HEADERS_TIMEOUT_MS', '0'],
    ['HTTP_HEADERS_TIMEOUT_MS', 'soon'],
    ['HTTP_REQUEST_TIMEOUT_MS', '-1'],
    ['HTTP_REQUEST_TIMEOUT_MS', '1.5'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses a headers timeout longer than the request timeout (it could never apply), naming both', () => {
    const load = () => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '20000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('HTTP_HEADERS_TIMEOUT_MS (30000) must not be more than HTTP_REQUEST_TIMEOUT_MS (20000)');
  });

  it('applyServerTimeouts sets them on a server, checked every second at most (Node checks every 30 s by default)', () => {
    const server = createServer();
    applyServerTimeouts(server, loadConfig({}));
    expect(server.headersTimeout).toBe(15_000);
    expect(server.requestTimeout).toBe(60_000);
    expect((server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  });
});
