import { BadUserInputError } from '../graphql/errors';

/**
 * The MIME parser's limits (mailsplit, under mailparser), by the message it fails with. Past one of them a
 * message can never be parsed: a client error (REST 400, GraphQL BAD_USER_INPUT, SMTP 554 5.6.0), not
 * ours (500, 451), which would make senders retry it forever.
 */
const PARSER_LIMITS: { match: RegExp; limit: string }[] = [
  { match: /child nodes exceeded/i, limit: 'at most 1000 MIME parts' },
  { match: /header size .*exceeded/i, limit: 'at most 1 MB of headers per MIME part' },
];

/** A message the MIME parser refused under one of its limits. */
export class MessageLimitError extends BadUserInputError {
  constructor(
    readonly limit: string,
    cause: string,
  ) {
    super(`raw exceeds a MIME parser limit (${limit}): ${cause}`, 'raw');
  }
}

/** The parser's error as a MessageLimitError when it is one of its limits; anything else unchanged. */
export function asParserLimit(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const known = PARSER_LIMITS.find((l) => l.match.test(err.message));
  // mailsplit tags every size limit EMAXLEN; one it adds later is still the message's fault.
  if (known || (err as { code?: string }).code === 'EMAXLEN') return new MessageLimitError(known?.limit ?? 'a size limit', err.message);
  return err;
}
