/**
 * `npm run build && npx tsx bench/smtp-parts.ts [--engine sqlite|postgresql] [--iterations 2000] [--batch 10] [--part all|parse|rcpt|batch] [--dist dir]`
 *
 * Where an SMTP delivery's CPU goes, part by part, in one process (no SMTP clients beside it): the
 * main thread's CPU time (process.cpuUsage, user + system) per message of
 *  - parse: MailIntake (what onData does with the bytes) on the bench's 2 KB message;
 *  - rcpt: what RCPT TO asks (the inbox by address, and whether it has room);
 *  - batch: deliverToAddress for `--batch` messages submitted together (one group commit), as 10
 *    parallel SMTP clients give it.
 * smtp-ingest.ts measures the whole road; this says which part of it moved. Run with node's
 * `--cpu-prof` (NODE_OPTIONS) to profile one part alone.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type * as AppModule from '../src/app';
import type * as ConfigModule from '../src/config';
import type * as IntakeModule from '../src/messages/mail-intake';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    iterations: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '10' },
    part: { type: 'string', default: 'all' },
    dist: { type: 'string', default: join(__dirname, '..', 'dist') },
  },
});
// The built code (`npm run build`), as the gateway runs it: not this file's TypeScript loader.
const fromDist = <T>(path: string): T => require(join(values.dist!, path)) as T;
const { createApp } = fromDist<typeof AppModule>('app');
const { loadConfig } = fromDist<typeof ConfigModule>('config');
const { MailIntake } = fromDist<typeof IntakeModule>('messages/mail-intake');
const iterations = Number(values.iterations);
const batchSize = Number(values.batch);
const parts = values.part === 'all' ? ['parse', 'rcpt', 'batch'] : [values.part!];

/** The same ~2 KB sign-in mail as smtp-ingest.ts. */
function message(to: string, n: number): Buffer {
  const head = [`From: Bench <no-reply@sender.test>`, `To: ${to}`, `Subject: Your code #${n}`, `Message-ID: <${n}.${randomBytes(4).toString('hex')}@sender.test>`, 'Content-Type: text/plain; charset=utf-8', '', `Your verification code is ${String(100000 + (n % 900000))}.`, ''];
  const body = head.join('\r\n');
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 76)}\r\n`;
  return Buffer.from(body + line.repeat(Math.max(0, Math.ceil((2048 - body.length) / line.length))));
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** `fn` run `count` times (after a tenth as warm-up); CPU per message, `perCall` messages a call. */
async function measure(name: string, count: number, fn: () => Promise<void>, perCall = 1): Promise<void> {
  const warm = Math.max(1, Math.floor(count / 10));
  for (let i = 0; i < warm; i++) await fn();
  const started = cpuMs();
  const wall = performance.now();
  const from = process.hrtime.bigint() / 1000n;
  for (let i = 0; i < count; i++) await fn();
  const cpu = cpuMs() - started;
  // The window in a --cpu-prof profile's clock (µs), to look at this part alone.
  if (process.execArgv.includes('--cpu-prof')) process.stdout.write(`${name} window ${from} ${process.hrtime.bigint() / 1000n}\n`);
  const messages = count * perCall;
  process.stdout.write(`${name.padEnd(6)} ${(cpu / messages).toFixed(3)} ms CPU per message (wall ${((performance.now() - wall) / messages).toFixed(3)} ms), ${messages} messages\n`);
}

async function main(): Promise<void> {
  let url: string;
  let drop = async () => {};
  if (values.engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sg-smtp-parts-'));
    url = `file:${join(dir, 'parts.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const admin = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
    const schema = `parts_${randomBytes(6).toString('hex')}`;
    const u = new URL(admin);
    u.searchParams.set('schema', schema);
    url = u.toString();
    drop = async () => {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    };
  }
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', PORT: '0', BOOTSTRAP_API_KEY: 'sgk_bootstrap_for_tests_only', INBOX_MAX_MESSAGES: '1000000', DATABASE_POOL_SIZE: '4' });
  const app = await createApp(config);
  try {
    const { services } = app;
    const ownerId = (await app.db.prisma.owner.findFirstOrThrow()).id;
    const inboxes: { id: string; emailAddress: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const session = await services.sessions.create(ownerId, { name: `parts ${i}` });
      const inbox = await services.inboxes.create(ownerId, { sessionId: session.id, ttlSeconds: 3600 });
      await services.waits.create(ownerId, { inboxId: inbox.id, type: 'otp' as never, timeoutSeconds: 600 } as never);
      inboxes.push(inbox);
    }
    const raw = message(inboxes[0]!.emailAddress, 1);
    let n = 0;
    for (const part of parts) {
      if (part === 'parse') {
        await measure('parse', iterations, async () => {
          const intake = new MailIntake();
          intake.write(raw);
          await intake.parse();
        });
      } else if (part === 'rcpt') {
        await measure('rcpt', iterations, async () => {
          const inbox = await services.inboxes.findAccepting(inboxes[n++ % inboxes.length]!.emailAddress);
          await services.messages.requireRoom(inbox!.id);
        });
      } else if (part === 'batch') {
        const intake = new MailIntake();
        intake.write(raw);
        const mail = await intake.parse();
        const rounds = Math.ceil(iterations / batchSize);
        const batch = async () => {
          await Promise.all(Array.from({ length: batchSize }, () => services.messages.deliverToAddress(inboxes[n++ % inboxes.length]!.emailAddress, mail)));
        };
        await measure(`batch`, rounds, batch, batchSize);
      }
    }
  } finally {
    await app.close();
    await drop();
  }
}

void main();
