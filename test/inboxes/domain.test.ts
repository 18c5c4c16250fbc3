import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { ADDRESS, createInbox } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { INBOX_DOMAIN: 'Mail.Example.TEST' } });
});
afterAll(() => s?.close());

describe('INBOX_DOMAIN', () => {
  it('sets the domain of every new address (lower-cased), over REST and GraphQL', async () => {
    const rest = await createInbox(s);
    expect(rest.emailAddress).toMatch(ADDRESS('mail.example.test'));
    const gql = await s.gql('mutation { createInbox { emailAddress } }');
    expect(gql.body.errors).toBeUndefined();
    expect(gql.body.data.createInbox.emailAddress).toMatch(ADDRESS('mail.example.test'));
    expect(gql.body.data.createInbox.emailAddress).not.toBe(rest.emailAddress);
  });
});
