import { EventEmitter } from 'node:events';

/**
 * "Look again" signals for long-polls. The database is the truth; a notification only wakes waiters
 * early. In one process an EventEmitter carries them; across instances (PostgreSQL) a transport can
 * publish them too (see `bridge`).
 */
export class Notifier {
  private readonly emitter = new EventEmitter();
  private remote?: (topic: string) => void;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Wakes local waiters and, when bridged, the other instances. */
  notify(topic: string): void {
    this.emitter.emit(topic);
    this.remote?.(topic);
  }

  /** Called by a cross-instance transport when another instance notified. */
  receive(topic: string): void {
    this.emitter.emit(topic);
  }

  bridge(publish: (topic: string) => void): void {
    this.remote = publish;
  }

  /** Calls `listener` on every notification of `topic` (local or remote) until the returned function is called. */
  on(topic: string, listener: () => void): () => void {
    this.emitter.on(topic, listener);
    return () => void this.emitter.off(topic, listener);
  }

  /** Resolves on the first notification of any of `topics`, after `ms`, or when `signal` aborts. */
  waitFor(topics: string[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const t of topics) this.emitter.off(t, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      for (const t of topics) this.emitter.once(t, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
