import type { Clock } from '../common/clock';
import type { InboxService } from '../inboxes/inbox.service';
import type { Logger } from '../logger';
import type { WaitService } from './wait.service';

const HOUSEKEEPING_MS = 60_000;
/**
 * How often the sweep reads which waits ended since its last run and wakes those held here (see
 * WaitService.sweepHeld). Only a lost notification needs it, and it delays that answer by at most this.
 */
export const HELD_SWEEP_MS = 2_000;

/**
 * Deadlines are data, but someone must act on them when nobody is asking: this timer settles overdue
 * waits (failing their sessions) and expired inboxes, and sweeps the long-polls held here. Runs never overlap; every instance may run one,
 * and conditional updates make each transition happen once.
 */
export function startDeadlineSettler(
  deps: { waits: WaitService; inboxes: InboxService; clock: Clock; logger: Logger; housekeeping?: () => Promise<void> },
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  let lastHousekeeping = 0;
  let lastSweep = 0;
  let failing = false;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const now = deps.clock();
        await deps.waits.settleDue(now);
        await deps.inboxes.settleDue(now);
        // Real time, not the app clock: it paces the sweep, it does not decide what is due.
        if (Date.now() - lastSweep >= Math.max(HELD_SWEEP_MS, intervalMs)) {
          lastSweep = Date.now();
          await deps.waits.sweepHeld();
        }
        // Expired rate-limit windows and idempotency records: once a minute is plenty.
        if (deps.housekeeping && now.getTime() - lastHousekeeping >= HOUSEKEEPING_MS) {
          lastHousekeeping = now.getTime();
          await deps.housekeeping();
        }
        if (failing) deps.logger.info('deadline settling recovered');
        failing = false;
      } catch (err) {
        // Typically the database is unreachable; say so once, keep trying.
        if (!failing) deps.logger.warn({ err }, 'deadline settling failed; retrying');
        failing = true;
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
