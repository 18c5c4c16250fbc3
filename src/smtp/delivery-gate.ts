/**
 * Bounds the bytes of mail being parsed and stored at once; the others wait their turn in order. A
 * message in that stage costs several times its size (the parser's part buffers and strings, the
 * database driver's copies), and the process has one thread, so parsing many large ones at once is no
 * faster than one after another, only larger. Small messages are weighed by their size too, so hundreds
 * of them pass together and reach the group commit (src/db/group-commit.ts) in one batch, instead of
 * being let through two at a time. One task always runs, however large.
 */
export class DeliveryGate {
  private used = 0;
  private running = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(private readonly budgetBytes: number) {}

  async run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    if (this.waiting.length || !this.fits(bytes)) await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    else this.take(bytes);
    try {
      return await task();
    } finally {
      this.used -= bytes;
      this.running--;
      this.admitWaiting();
    }
  }

  /** In order: those behind the head of the line go only once it has gone. */
  private admitWaiting(): void {
    while (this.waiting.length && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.take(next.bytes);
      next.start();
    }
  }

  private take(bytes: number): void {
    this.used += bytes;
    this.running++;
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.used + bytes <= this.budgetBytes;
  }
}
