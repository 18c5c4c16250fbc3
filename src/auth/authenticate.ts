import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError } from '../graphql/errors';
import type { ApiKeyService, Principal } from './api-keys.service';

/** `Authorization: Bearer <key>` → the key, or null when the header is missing or malformed. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
  return match ? match[1] : null;
}

/** The one authentication rule for GraphQL and REST alike. */
export async function authenticate(headers: IncomingHttpHeaders, keys: ApiKeyService): Promise<Principal> {
  const token = bearerToken(headers);
  const principal = token ? await keys.authenticate(token) : null;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}
