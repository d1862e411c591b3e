import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './app.ts';

export interface ReceivedMail {
  /** The envelope's recipients. */
  readonly to: readonly string[];
  readonly from: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  /** The text/plain part, decoded. */
  readonly text: string;
  /** The text/html part, decoded. */
  readonly html: string;
}

export interface Mailbox {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  readonly url: string;
  /** Every mail received so far, oldest first. */
  readonly received: readonly ReceivedMail[];
  /** The next mail to `to` not taken yet; waits for it to arrive. */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The mails to `to` received so far. */
  sentTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback (npm smtp-server), no TLS and no authentication, keeping what it receives. */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        received.push(parseMessage(Buffer.concat(chunks).toString('utf8'), to));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const sentTo = (to: string) => received.filter((mail) => mail.to.includes(to.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    sentTo,
    next: (to, timeoutMs = 5_000) => new Promise((resolve, reject) => {
      const look = () => {
        const mail = sentTo(to).find((m) => !taken.has(m));
        if (mail === undefined) return false;
        taken.add(mail);
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(mail);
        return true;
      };
      const wake = () => void look();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(wake);
      look();
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The link of a Latchkey mail, split into its page and token; fails when there is none. */
export function linkIn(body: string): { url: string; page: string; token: string } {
  const match = /(https?:\/\/[^\s"<>]+?)\/(verify-email|reset-password|confirm-email-change)\?token=([A-Za-z0-9_-]+)/.exec(body);
  if (match === null) throw new Error(`no link in: ${body}`);
  return { url: match[0], page: match[2]!, token: match[3]! };
}

/** Enough of RFC 5322 and MIME to read what nodemailer writes: headers, and multipart/alternative text and HTML. */
function parseMessage(raw: string, to: string[]): ReceivedMail {
  const { headers, body } = splitEntity(raw);
  const parts = new Map<string, string>();
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary === undefined) {
    parts.set(type.split(';')[0]!.trim().toLowerCase(), decode(body, headers.get('content-transfer-encoding')));
  } else {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitEntity(chunk.replace(/^\r\n/, ''));
      const partType = (part.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
      parts.set(partType, decode(part.body.replace(/\r\n$/, ''), part.headers.get('content-transfer-encoding')));
    }
  }
  return {
    to,
    from: headers.get('from') ?? '',
    headers,
    subject: headers.get('subject') ?? '',
    text: parts.get('text/plain') ?? '',
    html: parts.get('text/html') ?? '',
  };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end === -1 ? '' : raw.slice(end + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable': {
      const soft = Buffer.from(body.replace(/=\r\n/g, ''), 'latin1');
      const bytes: number[] = [];
      for (let i = 0; i < soft.length; i += 1) {
        const hex = soft.subarray(i + 1, i + 3).toString('latin1');
        if (soft[i] === 0x3d && /^[0-9A-F]{2}$/i.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(soft[i]!);
        }
      }
      return Buffer.from(bytes).toString('utf8');
    }
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/**
 * A test app that mails through its own mailbox and trusts X-Forwarded-For (so each test can ask from its
 * own client address and keep the per-address budgets apart): started before the suite's tests and handed
 * to `use`, closed after them.
 */
export function mailingApp(use: (apps: { mailbox: Mailbox; app: TestApp }) => void | Promise<void>): void {
  let mailbox: Mailbox | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { SMTP_URL: mailbox.url, TRUST_PROXY: 'true' } });
    await use({ mailbox, app });
  });
  afterAll(async () => {
    await app?.close();
    await mailbox?.close();
  });
}
