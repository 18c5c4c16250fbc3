import type { Response } from 'express';

/**
 * Aborts when the client goes away before its answer is sent, or when the server shuts down, so a
 * long-poll stops waiting for nobody (and a shutdown answers long-polls early instead of cutting them).
 * A normal end aborts nothing: creating the abort reason is costly, and most requests never look.
 */
export function requestSignal(res: Response, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  // Made lazily, so the client may already be gone.
  if (shutdown.aborted || (res.closed && !res.writableFinished)) {
    abort();
    return controller.signal;
  }
  const unwatch = onShutdown(shutdown, abort);
  res.once('close', () => {
    unwatch();
    if (!res.writableFinished) abort();
  });
  return controller.signal;
}

const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `fn` when `shutdown` aborts. Every held request watches the one shutdown signal; as its own
 * listeners they would trip Node's leak warning past 10 ("MaxListenersExceededWarning: Possible
 * EventTarget memory leak", a false alarm with more than 10 long-polls) and cost O(n) to add and
 * remove. So the signal gets one listener, and the watchers a Set.
 */
export function onShutdown(shutdown: AbortSignal, fn: () => void): () => void {
  let set = watchers.get(shutdown);
  if (!set) {
    const made = new Set<() => void>();
    shutdown.addEventListener(
      'abort',
      () => {
        for (const watcher of [...made]) watcher();
        made.clear();
      },
      { once: true },
    );
    watchers.set(shutdown, (set = made));
  }
  set.add(fn);
  return () => set.delete(fn);
}

/** Requests watching `shutdown` now (tests assert that a released request leaves nothing behind). */
export function shutdownWatchers(shutdown: AbortSignal): number {
  return watchers.get(shutdown)?.size ?? 0;
}
