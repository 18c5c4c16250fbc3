import type { z } from 'zod';
import { redactUrl } from '../db/url';

/**
 * Turns zod's issues about environment settings into sentences in the operator's terms, derived from
 * the schema itself (a setting's type, bounds and choices), so a new setting gets a good message
 * without writing one:
 *   PORT must be an integer 0–65535 (got "abc")
 *   LOG_LEVEL must be one of debug, info, warn, error, silent (got "verbose")
 * A refinement's own message is used as it is: one starting with "must" follows the name
 * ("INBOX_DOMAIN must be a domain name (got …)"), any other after a colon
 * ("CORS_ORIGINS: "foo" is not an origin like https://app.example").
 */
export function settingMessages(shape: Record<string, z.ZodType>, issues: z.core.$ZodIssue[], env: Record<string, string | undefined>): string[] {
  const lines = issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const got = `(got ${shown(name, env[name])})`;
    if (issue.code === 'custom') return issue.message.startsWith('must ') ? `${name} ${issue.message} ${got}` : `${name}: ${issue.message}`;
    const expected = shape[name] ? expectation(shape[name]) : null;
    return expected ? `${name} must be ${expected} ${got}` : `${name}: ${issue.message} ${got}`;
  });
  return [...new Set(lines)]; // "-1.5" breaks two rules of one setting, but one sentence says it
}

/** What a setting accepts, in words; null when the schema says nothing simple. */
function expectation(schema: z.ZodType): string | null {
  const base = unwrap(schema);
  const def = base._zod.def as { type: string; entries?: Record<string, string> };
  if (def.type === 'number') {
    const n = base as z.ZodNumber;
    const kind = n.isInt ? 'an integer' : 'a number';
    const min = Number.isFinite(n.minValue) && Math.abs(n.minValue!) < Number.MAX_SAFE_INTEGER ? n.minValue : null;
    const max = Number.isFinite(n.maxValue) && Math.abs(n.maxValue!) < Number.MAX_SAFE_INTEGER ? n.maxValue : null;
    if (min !== null && max !== null) return `${kind} ${min}–${max}`;
    if (min !== null) return `${kind} ≥ ${min}`;
    if (max !== null) return `${kind} ≤ ${max}`;
    return kind;
  }
  if (def.type === 'enum' && def.entries) return `one of ${Object.values(def.entries).join(', ')}`;
  if (def.type === 'string') {
    const min = (base as z.ZodString).minLength;
    return min ? `at least ${min} characters long` : null;
  }
  return null;
}

/** The schema under defaults, optionals and transforms: the type the raw value is checked against. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'prefault' || def.type === 'nullable') && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** The value as the operator wrote it, except secrets (never echoed) and URLs' passwords. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (/KEY|SECRET|PASSWORD|TOKEN/.test(name)) return `${value.length} characters, not shown`;
  return JSON.stringify(/URL$/.test(name) ? redactUrl(value) : value);
}
