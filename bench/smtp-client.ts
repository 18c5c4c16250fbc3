/** A minimal SMTP client for the benches (bench/smtp-ingest.ts, bench/otp-at-scale.ts) and a free loopback port. */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';

export const MESSAGE_BYTES = 2048;

/** A minimal SMTP client: one command at a time, multi-line replies read whole. */
export class SmtpClient {
  private buffer = '';
  private waiting: ((r: { code: number; line: string }) => void) | null = null;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        if (/^\d{3}(?: |$)/.test(line) && this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          w({ code: Number(line.slice(0, 3)), line });
        }
      }
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<SmtpClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new SmtpClient(socket);
    const greeting = await client.reply();
    if (greeting.code !== 220) throw new Error(`SMTP greeting: ${greeting.line}`);
    await client.expect(250, 'EHLO bench.test');
    return client;
  }

  reply(): Promise<{ code: number; line: string }> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async send(text: string): Promise<{ code: number; line: string }> {
    const r = this.reply();
    this.socket.write(text);
    return r;
  }

  async expect(code: number, command: string): Promise<void> {
    const r = await this.send(`${command}\r\n`);
    if (r.code !== code) throw new Error(`${command}: ${r.line}`);
  }

  /** One message; the DATA→250 time in ms, when the final `.` was written (performance.now()) and the final reply. */
  async deliver(to: string, message: string): Promise<{ ms: number; sentAt: number; code: number; line: string }> {
    await this.expect(250, 'MAIL FROM:<bench@sender.test>');
    await this.expect(250, `RCPT TO:<${to}>`);
    await this.expect(354, 'DATA');
    const started = performance.now();
    const r = await this.send(`${message}\r\n.\r\n`);
    return { ms: performance.now() - started, sentAt: started, ...r };
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

/** The 6-digit code message(…, n) carries. */
export const codeFor = (n: number) => String(100000 + (n % 900000));

/** A ~2 KB plain-text message with a 6-digit code, as a sign-in mail would be. */
export function message(to: string, n: number): string {
  const head = [`From: Bench <no-reply@sender.test>`, `To: ${to}`, `Subject: Your code #${n}`, `Message-ID: <${n}.${randomBytes(4).toString('hex')}@sender.test>`, 'Content-Type: text/plain; charset=utf-8', '', `Your verification code is ${codeFor(n)}.`, ''];
  const body = head.join('\r\n');
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 76)}\r\n`;
  return body + line.repeat(Math.max(0, Math.ceil((MESSAGE_BYTES - body.length) / line.length)));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

