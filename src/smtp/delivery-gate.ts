/**
 * At most `limit` tasks at once; the others wait their turn in order. The SMTP server parses and stores
 * through it: a message being parsed and stored costs several times its size (the parser's part buffers
 * and strings, the database driver's copies), and the process has one thread, so parsing many at once is
 * no faster than one after another, only larger.
 */
export class DeliveryGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
