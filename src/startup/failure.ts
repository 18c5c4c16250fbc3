/**
 * Start-up failures the operator can act on, and the exit codes they end with. The codes are part of
 * the documented interface (README, "Start-up failures"): supervisors and scripts may branch on them.
 */
export const ExitCode = {
  ok: 0,
  /** Anything we did not foresee: a bug, or an environment we do not know how to explain. */
  unexpected: 1,
  /** A setting is invalid (message names it, its value and what it must be). */
  badSetting: 2,
  /** PORT or SMTP_PORT cannot be listened on: in use, not permitted, or HOST is not an address here. */
  cannotListen: 3,
  /** The database cannot be reached (PostgreSQL) or opened (SQLite). */
  databaseUnavailable: 4,
  /** Another gateway process already serves this SQLite file. */
  sqliteInUse: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure explained in one or two plain lines (what went wrong, with the setting and value; what to do). */
export class StartupError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    lines: string[],
    options?: { cause?: unknown },
  ) {
    super(lines.join('\n'), options);
    this.name = 'StartupError';
  }
}

/**
 * The last words of a process that could not start: the message alone, and the stack (with its causes)
 * only when LOG_LEVEL=debug. Read from the environment directly: the failure may be LOG_LEVEL itself.
 */
export function describeFailure(err: unknown, what = 'sessions-gateway failed to start', env: NodeJS.ProcessEnv = process.env): { text: string; exitCode: ExitCodeValue } {
  const debug = env.LOG_LEVEL === 'debug';
  if (err instanceof StartupError) {
    return { text: debug ? `${err.message}\n${stackOf(err.cause ?? err)}` : err.message, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  const hint = debug ? stackOf(err) : 'LOG_LEVEL=debug shows where it happened (and, if it is a bug, what to report).';
  return { text: `${what}: ${message}\n${hint}`, exitCode: ExitCode.unexpected };
}

function stackOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause === undefined ? '' : `\ncaused by: ${stackOf(err.cause)}`;
  return `${err.stack ?? err.message}${cause}`;
}
