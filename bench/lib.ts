/**
 * What the benchmark scripts share: a throw-away database, child servers, an HTTP client for setup,
 * autocannon runs and closed-loop runs, each of which checks the answers it gets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { LOGIN, PASSWORD, REFRESH, SIGN_UP } from './queries.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
export const TSX = `${ROOT}node_modules/.bin/tsx`;

// ---------------------------------------------------------------------------------------------------
// Clean-up: everything started registers how to undo itself; it runs once, on success, failure or signal.

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(step: () => Promise<void>): void {
  cleanups.push(step);
}

export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`bench: clean-up step failed: ${String(error)}\n`);
      }
    }
  })();
  return cleaning;
}

/** Runs `main`, then always cleans up; Ctrl-C and SIGTERM clean up too. */
export function runMain(main: () => Promise<number | void>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up...\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  main().then(
    async (code) => {
      await cleanUp();
      process.exit(code ?? 0);
    },
    async (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await cleanUp();
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// The throw-away database.

export async function createBenchDatabase(): Promise<{ url: string; name: string; serverVersion: string }> {
  const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `latchkey_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let serverVersion: string;
  try {
    const [row] = await admin.unsafe<{ server_version: string }[]>('show server_version');
    serverVersion = row?.server_version ?? 'unknown';
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  onCleanup(async () => {
    const dropper = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      process.stderr.write(`bench: dropped database ${name}\n`);
    } finally {
      await dropper.end({ timeout: 1 });
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.href, name, serverVersion };
}

// ---------------------------------------------------------------------------------------------------
// Child servers.

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

export async function startLatchkey(databaseUrl: string, nodeArgs: string[] = []): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const env = childEnv({
    DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    ADMIN_EMAIL: BENCH_ADMIN.email, ADMIN_PASSWORD: BENCH_ADMIN.password,
  });
  // With node flags (profiling), run node itself with tsx as a loader, so the signal reaches the server.
  const child = nodeArgs.length === 0
    ? startChild('latchkey', TSX, ['src/main.ts'], env)
    : startChild('latchkey', process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${base}/healthz`)).ok);
  return { child, base };
}

export async function startBareYoga(nodeArgs: string[] = []): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const env = childEnv({ PORT: String(port) });
  const child = nodeArgs.length === 0
    ? startChild('bare-yoga', TSX, ['bench/bare-yoga.ts'], env)
    : startChild('bare-yoga', process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/bare-yoga.ts'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await post(`${base}/graphql`, { query: '{ viewer { credential } }' })).status === 200);
  return { child, base };
}

// ---------------------------------------------------------------------------------------------------
// Plain HTTP, for setup and for the closed loops: node:http with keep-alive (lighter than fetch).

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Parsed GraphQL answers, read loosely: every field used is checked where it is read. */
type Json = any;

export async function gql(base: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) {
  const reply = await post(`${base}/graphql`, variables === undefined ? { query } : { query, variables }, headers);
  let json: Json;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  return { ...reply, json };
}

export function closeClientSockets(): void {
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------------
// Credentials on Latchkey.

export interface TokenUser {
  readonly email: string;
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export function benchEmail(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@bench.example.com`;
}

export async function signUpTokens(base: string, email = benchEmail('tokens')): Promise<TokenUser> {
  const reply = await gql(base, SIGN_UP, { input: { email, password: PASSWORD, delivery: 'TOKENS' } });
  const result = reply.json?.data?.signUp;
  if (reply.status !== 200 || result?.__typename !== 'AuthPayload') throw new Error(`sign-up (TOKENS) failed: ${reply.status} ${reply.text}`);
  return { email, userId: result.user.id, accessToken: result.tokens.accessToken, refreshToken: result.tokens.refreshToken };
}

export interface CookieUser {
  readonly email: string;
  readonly userId: string;
  /** The whole Cookie header to send. */
  readonly cookie: string;
}

/** Signs up with COOKIE delivery, then logs in with COOKIE delivery, and keeps the login's cookie. */
export async function signUpCookie(base: string, email = benchEmail('cookie')): Promise<CookieUser> {
  const signUp = await gql(base, SIGN_UP, { input: { email, password: PASSWORD, delivery: 'COOKIE' } });
  const signedUp = signUp.json?.data?.signUp;
  if (signUp.status !== 200 || signedUp?.__typename !== 'AuthPayload') throw new Error(`sign-up (COOKIE) failed: ${signUp.status} ${signUp.text}`);
  if (signedUp.tokens !== null) throw new Error('sign-up with COOKIE delivery returned tokens in the body');
  const login = await gql(base, LOGIN, { input: { email, password: PASSWORD, delivery: 'COOKIE' } });
  if (login.status !== 200 || login.json?.data?.login?.__typename !== 'AuthPayload') throw new Error(`login (COOKIE) failed: ${login.status} ${login.text}`);
  const setCookie = login.headers['set-cookie'] ?? [];
  const session = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-latchkey-session='));
  if (session === undefined) throw new Error(`login (COOKIE) set no __Host-latchkey-session cookie: ${JSON.stringify(setCookie)}`);
  return { email, userId: signedUp.user.id, cookie: session };
}

/** Exchanges a refresh token; throws unless it rotates. */
export async function refreshOnce(base: string, refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await gql(base, REFRESH, { token: refreshToken });
  const result = reply.json?.data?.refresh;
  if (reply.status !== 200 || result?.__typename !== 'AuthPayload') throw new Error(`refresh failed: ${reply.status} ${reply.text}`);
  return { accessToken: result.tokens.accessToken, refreshToken: result.tokens.refreshToken };
}

/** Runs `task` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  }));
  return results;
}

// ---------------------------------------------------------------------------------------------------
// CPU time, from /proc: unlike req/s it hardly moves when other programs share the machine.

const TICK_US = 10_000; // USER_HZ is 100 on Linux

export interface CpuSample {
  /** µs of user + system time of every process in the server's process group (tsx and node). */
  readonly server: number;
  /** µs of the PostgreSQL backends connected to the bench database. */
  readonly database: number;
}

/** Reads the CPU time used so far by process group `pgid`, and by the backends of database `dbName`. */
export function readCpu(pgid: number, dbName?: string): CpuSample {
  let server = 0;
  let database = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { server: NaN, database: NaN };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number(fields[2]) === pgid) server += ticks;
      else if (dbName !== undefined && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${dbName} `)) database += ticks;
    } catch {
      // gone, or not ours to read
    }
  }
  return { server: server * TICK_US, database: dbName === undefined ? NaN : database * TICK_US };
}

// ---------------------------------------------------------------------------------------------------
// Measurements.

export interface Measurement {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly total: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** 2xx answers whose body was not the expected one. */
  readonly wrong: number;
  readonly seconds: number;
  /** CPU µs per request of the server's processes, and of its PostgreSQL backends (NaN when not measured). */
  readonly serverCpuUs: number;
  readonly dbCpuUs: number;
  /** Every successful request's latency, ms, so that runs can be combined into one p99. */
  readonly latencies: readonly number[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

function cpuPerRequest(before: CpuSample | undefined, after: CpuSample | undefined, requests: number) {
  if (before === undefined || after === undefined || requests === 0) return { serverCpuUs: NaN, dbCpuUs: NaN };
  return { serverCpuUs: (after.server - before.server) / requests, dbCpuUs: (after.database - before.database) / requests };
}

export function isClean(m: Measurement): boolean {
  return m.total > 0 && m.non2xx === 0 && m.errors === 0 && m.wrong === 0;
}

export interface CannonCase {
  readonly url: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
  /** Every response body must equal this exactly. */
  readonly expectBody: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Reads the server's CPU time, before and after the measured run. */
  readonly cpu?: () => CpuSample;
}

function cannon(c: CannonCase, seconds: number, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: c.url,
      method: 'POST',
      connections: c.connections,
      pipelining: 1,
      duration: seconds,
      headers: { 'content-type': 'application/json', ...c.headers },
      body: c.body,
      verifyBody: (body) => body === c.expectBody,
    }, (error, result) => (error ? reject(error) : resolve(result)));
    if (latencies !== undefined) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** A warm-up (not counted), then the measured run; every response is checked against `expectBody`. */
export async function runCannon(c: CannonCase): Promise<Measurement> {
  if (c.warmupSeconds > 0) await cannon(c, c.warmupSeconds);
  const before = c.cpu?.();
  const latencies: number[] = [];
  const result = await cannon(c, c.seconds, latencies);
  const after = c.cpu?.();
  const total = result.requests.total;
  return {
    requestsPerSecond: total / result.duration,
    p99Ms: percentile(latencies, 0.99),
    latencies,
    total,
    non2xx: result.non2xx,
    errors: result.errors,
    wrong: result.mismatches,
    seconds: result.duration,
    ...cpuPerRequest(before, after, total),
  };
}

export interface ClosedLoopCase<S> {
  /**
   * One state per worker (e.g. its refresh token chain), updated in place so that a later run goes on
   * from there; a worker whose request failed gets `undefined` and sends nothing more.
   */
  readonly states: (S | undefined)[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  /**
   * One request: resolves with the next state when the answer was right, `{ status, wrong: true }`
   * when it was a 2xx with the wrong body; non-2xx are counted from `status`.
   */
  readonly step: (state: S) => Promise<{ status: number; next?: S; wrong?: boolean }>;
  readonly cpu?: () => CpuSample;
}

/**
 * One async loop per state, each sending its next request as soon as the previous answer is in. A
 * worker whose request failed stops (a broken refresh chain cannot go on), and the failure is counted.
 */
export async function runClosedLoop<S>(c: ClosedLoopCase<S>): Promise<Measurement> {
  const { states } = c;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let wrong = 0;
  const phase = async (seconds: number, measure: boolean) => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(states.map(async (_, worker) => {
      while (states[worker] !== undefined && performance.now() < deadline) {
        const started = performance.now();
        try {
          const outcome = await c.step(states[worker]!);
          const elapsed = performance.now() - started;
          const ok = outcome.status >= 200 && outcome.status < 300 && !outcome.wrong && outcome.next !== undefined;
          // Failures count in the warm-up too: a worker that stops there would quietly lower the load.
          if (outcome.status < 200 || outcome.status >= 300) non2xx += 1;
          else if (!ok) wrong += 1;
          else if (measure) latencies.push(elapsed);
          states[worker] = ok ? outcome.next : undefined;
        } catch {
          errors += 1;
          states[worker] = undefined;
        }
      }
    }));
  };
  if (c.warmupSeconds > 0) await phase(c.warmupSeconds, false);
  const before = c.cpu?.();
  const started = performance.now();
  await phase(c.seconds, true);
  const seconds = (performance.now() - started) / 1000;
  const after = c.cpu?.();
  const total = latencies.length + non2xx + wrong;
  return {
    requestsPerSecond: latencies.length / seconds, p99Ms: percentile(latencies, 0.99), latencies, total, non2xx, errors, wrong, seconds,
    ...cpuPerRequest(before, after, total),
  };
}

/** Several runs as one: requests over time, p99 of all their latencies, CPU weighted by requests. */
export function combine(runs: readonly Measurement[]): Measurement {
  const sum = (f: (m: Measurement) => number) => runs.reduce((total, m) => total + f(m), 0);
  const total = sum((m) => m.total);
  const weighted = (f: (m: Measurement) => number) => (total === 0 ? NaN : sum((m) => f(m) * m.total) / total);
  return {
    requestsPerSecond: sum((m) => m.requestsPerSecond * m.seconds) / sum((m) => m.seconds),
    p99Ms: percentile(runs.flatMap((m) => m.latencies), 0.99),
    latencies: runs.flatMap((m) => m.latencies),
    total,
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    wrong: sum((m) => m.wrong),
    seconds: sum((m) => m.seconds),
    serverCpuUs: weighted((m) => m.serverCpuUs),
    dbCpuUs: weighted((m) => m.dbCpuUs),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
