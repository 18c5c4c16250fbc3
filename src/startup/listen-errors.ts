import { ExitCode, StartupError } from './failure';

/** Which listener failed, by the settings that configure it (the operator's words, not ours). */
export interface Listener {
  portSetting: 'PORT' | 'SMTP_PORT';
  port: number;
  hostSetting: 'HOST' | 'SMTP_HOST';
  host: string;
}

/**
 * Turns a listen() error into a sentence naming the setting, its value and what to do; other errors
 * are returned as they are (unexpected).
 */
export function explainListenError(err: unknown, l: Listener): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const where = `${l.portSetting} ${l.port} (${l.hostSetting} ${l.host})`;
  const smtpOff = l.portSetting === 'SMTP_PORT' ? ', or SMTP_PORT=0 to turn inbound mail off' : '';
  const fail = (what: string, todo: string) => new StartupError(ExitCode.cannotListen, [`Cannot listen on ${where}: ${what}.`, todo], { cause: err });
  switch (code) {
    case 'EADDRINUSE':
      return fail('another program is already listening there', `Stop that program, or set ${l.portSetting} to a free port${smtpOff}.`);
    case 'EACCES':
    case 'EPERM':
      return fail('this user may not listen on that port', `Ports below 1024 need privileges: set ${l.portSetting} to 1024 or above${smtpOff}.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAFNOSUPPORT':
      return fail(`${l.host} is not an address of this machine`, `Set ${l.hostSetting} to one of its addresses, 0.0.0.0 (all IPv4) or :: (all).`);
    default:
      return err;
  }
}
