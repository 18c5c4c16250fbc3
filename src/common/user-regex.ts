import { createContext, Script } from 'node:vm';
import { BadUserInputError } from '../graphql/errors';

/**
 * Regular expressions written by API users (wait filters, OTP patterns), run so that none can hang the
 * process (ReDoS). JavaScript's backtracking engine has no linear-time mode that keeps case-insensitive
 * matching on Node 20 (V8's `l` flag refuses `i`), and RE2 needs a native build or a fixed-heap wasm
 * that aborts the process on large inputs. So each match runs through `vm` with a timeout: V8 interrupts
 * a running regex, and a match that takes longer than MATCH_TIMEOUT_MS counts as "no match". The cost
 * of a pathological pattern is therefore bounded per message, and patterns are short.
 */
export const USER_REGEX_MAX_LENGTH = 500;
export const MATCH_TIMEOUT_MS = 50;
/** Inputs beyond this are cut: a filter looks at a message's first megabyte of text. */
const INPUT_MAX_CHARS = 1_000_000;

/** A leading `(?i)` (as in RE2, Go, Python) makes the pattern case-insensitive; JavaScript has no inline flag. */
const CASE_INSENSITIVE_PREFIX = '(?i)';

/** Validates a user pattern; the BAD_USER_INPUT message names `field`. */
export function compileUserRegex(field: string, source: string, opts: { captureGroups?: number } = {}): RegExp {
  if (source.length === 0 || source.length > USER_REGEX_MAX_LENGTH) {
    throw new BadUserInputError(`${field} must be 1 to ${USER_REGEX_MAX_LENGTH} characters`, field);
  }
  const insensitive = source.startsWith(CASE_INSENSITIVE_PREFIX);
  const body = insensitive ? source.slice(CASE_INSENSITIVE_PREFIX.length) : source;
  let regex: RegExp;
  try {
    regex = new RegExp(body, insensitive ? 'iu' : 'u');
  } catch (err) {
    throw new BadUserInputError(`${field} is not a valid regular expression: ${(err as Error).message}`, field);
  }
  if (opts.captureGroups !== undefined) {
    // An alternation with the empty pattern always matches, and reports every group of the pattern.
    const groups = new RegExp(`${body}|`, 'u').exec('')!.length - 1;
    if (groups !== opts.captureGroups) {
      throw new BadUserInputError(`${field} must have exactly ${opts.captureGroups} capture group${opts.captureGroups === 1 ? '' : 's'} (it has ${groups})`, field);
    }
  }
  return regex;
}

const sandbox = createContext(Object.create(null) as object);
const execScript = new Script('re.lastIndex = 0; re.exec(input)');

/** `regex.exec(input)` within MATCH_TIMEOUT_MS; null on no match or when the time ran out. */
export function boundedExec(regex: RegExp, input: string): RegExpExecArray | null {
  const s = sandbox as { re?: RegExp; input?: string };
  s.re = regex;
  s.input = input.length > INPUT_MAX_CHARS ? input.slice(0, INPUT_MAX_CHARS) : input;
  try {
    return execScript.runInContext(sandbox, { timeout: MATCH_TIMEOUT_MS }) as RegExpExecArray | null;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null;
    throw err;
  } finally {
    s.re = undefined;
    s.input = undefined;
  }
}

/** Compiles a stored (already validated) pattern; cached, since waits are matched again and again. */
const cache = new Map<string, RegExp>();
const CACHE_MAX = 1000;
export function storedRegex(source: string): RegExp {
  let regex = cache.get(source);
  if (!regex) {
    regex = compileUserRegex('pattern', source);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(source, regex);
  }
  return regex;
}
