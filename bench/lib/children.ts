/** The servers a benchmark measures, each in a child process of its own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { onCleanup } from './cleanup.ts';
import { post } from './http.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX = `${ROOT}node_modules/.bin/tsx`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
  /** The last lines it wrote, for error messages. */
  tail(): string;
}

/** The environment a child gets: only what is named, plus what finding programs needs. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Starts a server in its own process group (so tsx's own child goes down with it), forwarding at most
 * a few of its output lines to stderr: with LOG_LEVEL=warn a healthy server writes none.
 */
export function startChild(name: string, command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  let forwarded = 0;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (forwarded < 20) process.stderr.write(`[${name}] ${line.slice(0, 500)}\n`);
      else if (forwarded === 20) process.stderr.write(`[${name}] (further output not shown)\n`);
      forwarded += 1;
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 15_000) => {
    if (!alive) return exited;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    signalGroup('SIGKILL'); // anything of the group left behind
    return code;
  };
  onCleanup(async () => {
    await stop();
  });
  return { name, process: child, exited, stop, tail: () => lines.join('\n') };
}

/** Polls `ready` until it holds; fails at once if the child exits, or after `timeoutMs`. */
export async function waitUntilReady(child: Child, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  let exitCode: number | null | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${child.name} exited (${exitCode}) before it was ready:\n${child.tail()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s:\n${child.tail()}`);
}

/** The admin account every benchmark server is started with (for admin-only reports). */
export const BENCH_ADMIN = { email: 'bench-admin@example.com', password: 'bench admin passphrase' };

export interface Server {
  readonly child: Child;
  /** http://127.0.0.1:port */
  readonly base: string;
}

/**
 * Runs a server script on a free port: TypeScript through tsx, plain JavaScript with node alone. With
 * node flags (profiling), node itself runs with tsx as a loader, so that the signal reaches the server.
 */
async function startServer(
  name: string, script: string, env: Record<string, string>, nodeArgs: string[], ready: (base: string) => Promise<boolean>,
): Promise<Server> {
  const port = await freePort();
  const childEnvironment = childEnv({ ...env, PORT: String(port) });
  const [command, ...args] = script.endsWith('.mjs')
    ? [process.execPath, ...nodeArgs, script]
    : nodeArgs.length === 0 ? [TSX, script] : [process.execPath, ...nodeArgs, '--import', 'tsx', script];
  const child = startChild(name, command!, args, childEnvironment);
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, () => ready(base));
  return { child, base };
}

export function startLatchkey(databaseUrl: string, nodeArgs: string[] = []): Promise<Server> {
  const env = {
    DATABASE_URL: databaseUrl, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_EMAIL: BENCH_ADMIN.email, ADMIN_PASSWORD: BENCH_ADMIN.password,
  };
  return startServer('latchkey', 'src/main.ts', env, nodeArgs, async (base) => (await fetch(`${base}/healthz`)).ok);
}

export function startBareYoga(nodeArgs: string[] = []): Promise<Server> {
  return startServer('bare-yoga', 'bench/bare-yoga.ts', {}, nodeArgs,
    async (base) => (await post(`${base}/graphql`, { query: '{ viewer { credential } }' })).status === 200);
}

/** The ceiling: plain node:http answering bare Yoga's JSON for the user query (bench/plain-http.ts). */
export function startPlainHttp(nodeArgs: string[] = []): Promise<Server> {
  return startServer('plain-http', 'bench/plain-http.ts', {}, nodeArgs,
    async (base) => (await post(`${base}/graphql`, { query: '{ viewer { user { id email } } }' })).status === 200);
}

/** Better Auth on its own database; `cookieCache` turns on its signed session cookie cache. */
export function startBetterAuth(databaseUrl: string, cookieCache: boolean): Promise<Server> {
  const env = { DATABASE_URL: databaseUrl, COOKIE_CACHE: cookieCache ? '1' : '0', BETTER_AUTH_TELEMETRY: '0' };
  return startServer(cookieCache ? 'better-auth-cache' : 'better-auth', 'bench/better-auth-server.mjs', env, [],
    async (base) => (await fetch(`${base}/api/auth/ok`)).ok);
}
