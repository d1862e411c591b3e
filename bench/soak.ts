/**
 * `npm run soak`: one real server under a steady mix of traffic for a bounded time, on loopback only.
 *
 * Starts `src/main.ts` as a child process on PGlite in a temporary DATA_DIR, or, when SOAK_DATABASE_URL
 * names a PostgreSQL server, on a throw-away database created there and dropped afterwards. Then N workers
 * mix good logins, refresh-token rotations, viewer queries with access tokens, session-cookie requests,
 * API-key requests and bad credentials (wrong passwords, forged tokens, unknown refresh tokens and
 * cookies), and every answer is checked. Reports requests by kind, expected refusals, unexpected answers
 * (any 5xx, a network error, or an answer of the wrong shape), p50/p99 latency, and the server's resident
 * memory (VmRSS) at the start, middle and end of the load. Exits 1 when anything unexpected happened.
 *
 * Settings (environment): SOAK_SECONDS (120), SOAK_WORKERS (16), SOAK_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import {
  benchEmail, childEnv, closeClientSockets, freePort, gql, onCleanup, runMain, signUpCookie, signUpTokens,
  startChild, waitUntilReady, type Reply, type TokenUser,
} from './lib.ts';
import { LOGIN, PASSWORD, REFRESH } from './queries.ts';

const SECONDS = positive('SOAK_SECONDS', 120);
const WORKERS = positive('SOAK_WORKERS', 16);
const DATABASE_SERVER = process.env.SOAK_DATABASE_URL || undefined;

const VIEWER = '{ viewer { credential user { id email } } }';
const CREATE_KEY = 'mutation { createApiKey(input: { name: "soak" }) { __typename ... on CreateApiKeyPayload { secret } } }';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// What is sent, and what each kind of request must get back.

type Kind = 'login' | 'refresh' | 'viewer (token)' | 'viewer (cookie)' | 'viewer (API key)' | 'bad credentials';

/** How often each kind is picked, in percent. */
const MIX: [Kind, number][] = [
  ['login', 8], ['refresh', 17], ['viewer (token)', 30], ['viewer (cookie)', 15], ['viewer (API key)', 12], ['bad credentials', 18],
];

interface Outcome {
  /** The answer was right; `refused` when it was a refusal the request asked for (a bad credential). */
  readonly ok: boolean;
  readonly refused?: boolean;
  readonly why?: string;
}

interface Worker {
  readonly index: number;
  user: TokenUser;
  accessToken: string;
  refreshToken: string;
  /** The Cookie header of another account's COOKIE sign-in, and that account's id. */
  readonly cookie: string;
  readonly cookieUserId: string;
  readonly apiKey: string | null;
  /** The worker's own client address, sent as X-Forwarded-For (the server trusts it, as behind a proxy). */
  readonly address: string;
}

const fail = (reply: Reply, why: string): Outcome => ({ ok: false, why: `${why}: ${reply.status} ${reply.text.slice(0, 200)}` });

async function login(base: string, worker: Worker): Promise<Outcome> {
  const reply = await gql(base, LOGIN, { input: { email: worker.user.email, password: PASSWORD } }, { 'x-forwarded-for': worker.address });
  const result = reply.json?.data?.login;
  if (reply.status !== 200 || result?.__typename !== 'TokenAuthPayload') return fail(reply, 'login');
  return { ok: true };
}

async function refresh(base: string, worker: Worker): Promise<Outcome> {
  const reply = await gql(base, REFRESH, { token: worker.refreshToken }, { 'x-forwarded-for': worker.address });
  const result = reply.json?.data?.refresh;
  if (reply.status !== 200 || result?.__typename !== 'TokenAuthPayload') return fail(reply, 'refresh');
  worker.accessToken = result.tokens.accessToken;
  worker.refreshToken = result.tokens.refreshToken;
  return { ok: true };
}

async function viewer(base: string, headers: Record<string, string>, credential: string, userId: string): Promise<Outcome> {
  const reply = await gql(base, VIEWER, undefined, headers);
  const seen = reply.json?.data?.viewer;
  if (reply.status !== 200 || seen?.credential !== credential || seen?.user?.id !== userId) return fail(reply, `viewer as ${credential}`);
  return { ok: true };
}

/** One of four forgeries, each refused in its own way; a rate limit on the guesses is a refusal too. */
async function badCredentials(base: string): Promise<Outcome> {
  const guesser = `198.18.0.${1 + Math.floor(Math.random() * 50)}`;
  switch (Math.floor(Math.random() * 4)) {
    case 0: {
      const reply = await gql(base, LOGIN, { input: { email: benchEmail('nobody'), password: 'a wrong password' } }, { 'x-forwarded-for': guesser });
      const kind = reply.json?.data?.login?.__typename;
      return reply.status === 200 && (kind === 'InvalidCredentialsError' || kind === 'RateLimitedError') ? { ok: true, refused: true } : fail(reply, 'wrong password');
    }
    case 1: {
      const forged = `eyJhbGciOiJFZERTQSJ9.${randomBytes(60).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
      const reply = await gql(base, VIEWER, undefined, { authorization: `Bearer ${forged}` });
      return reply.status === 401 && reply.json?.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? { ok: true, refused: true } : fail(reply, 'forged token');
    }
    case 2: {
      const reply = await gql(base, REFRESH, { token: randomBytes(32).toString('base64url') }, { 'x-forwarded-for': guesser });
      const kind = reply.json?.data?.refresh?.__typename;
      return reply.status === 200 && (kind === 'InvalidTokenError' || kind === 'RateLimitedError') ? { ok: true, refused: true } : fail(reply, 'unknown refresh token');
    }
    default: {
      const reply = await gql(base, VIEWER, undefined, { cookie: `__Host-latchkey-session=${randomBytes(32).toString('base64url')}` });
      return reply.status === 401 ? { ok: true, refused: true } : fail(reply, 'unknown cookie');
    }
  }
}

function pick(apiKeys: boolean): Kind {
  const mix = apiKeys ? MIX : MIX.filter(([kind]) => kind !== 'viewer (API key)');
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = Math.random() * total;
  for (const [kind, weight] of mix) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return mix.at(-1)![0];
}

function send(base: string, worker: Worker, kind: Kind): Promise<Outcome> {
  switch (kind) {
    case 'login': return login(base, worker);
    case 'refresh': return refresh(base, worker);
    case 'viewer (token)': return viewer(base, { authorization: `Bearer ${worker.accessToken}` }, 'ACCESS_TOKEN', worker.user.userId);
    case 'viewer (cookie)': return viewer(base, { cookie: worker.cookie }, 'SESSION_COOKIE', worker.cookieUserId);
    case 'viewer (API key)': return viewer(base, { 'x-api-key': worker.apiKey! }, 'API_KEY', worker.user.userId);
    case 'bad credentials': return badCredentials(base);
  }
}

// ---------------------------------------------------------------------------------------------------
// The server and its memory.

async function database(): Promise<{ env: Record<string, string>; describe: string }> {
  if (DATABASE_SERVER === undefined) {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-soak-'));
    onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dataDir }, describe: `PGlite in ${dataDir}` };
  }
  const name = `latchkey_soak_${randomBytes(6).toString('hex')}`;
  const admin = postgres(DATABASE_SERVER, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  onCleanup(async () => {
    const dropper = postgres(DATABASE_SERVER, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await dropper.end({ timeout: 1 });
    }
  });
  const url = new URL(DATABASE_SERVER);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.href }, describe: `PostgreSQL ${url.host}/${name} (dropped afterwards)` };
}

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? NaN : Number(match[1]) / 1024;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------------

interface Tally {
  requests: number;
  refused: number;
  unexpected: number;
  readonly latencies: number[];
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

async function main(): Promise<number> {
  const db = await database();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // node itself (tsx as a loader), so that the child's pid is the server whose memory is read.
  const child = startChild('latchkey', process.execPath, ['--import', 'tsx', 'src/main.ts'], childEnv({
    ...db.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, LOG_LEVEL: 'warn', TRUST_PROXY: 'true',
  }));
  await waitUntilReady(child, async () => (await fetch(`${base}/readyz`)).ok);
  const pid = child.process.pid!;
  process.stderr.write(`soak: server pid ${pid} on ${base}, ${db.describe}\n`);

  const workers: Worker[] = await Promise.all(Array.from({ length: WORKERS }, async (_, index): Promise<Worker> => {
    const user = await signUpTokens(base, benchEmail(`soak${index}`));
    const cookieUser = await signUpCookie(base, benchEmail(`soak-cookie${index}`));
    const created = await gql(base, CREATE_KEY, undefined, { authorization: `Bearer ${user.accessToken}` });
    const secret = created.json?.data?.createApiKey?.secret;
    return {
      index, user, accessToken: user.accessToken, refreshToken: user.refreshToken, cookie: cookieUser.cookie, cookieUserId: cookieUser.userId,
      apiKey: typeof secret === 'string' ? secret : null, address: `203.0.113.${index + 1}`,
    };
  }));
  const apiKeys = workers.every((worker) => worker.apiKey !== null);
  if (!apiKeys) process.stderr.write('soak: createApiKey is not available; no API-key requests\n');

  const tallies = new Map<Kind, Tally>(MIX.map(([kind]) => [kind, { requests: 0, refused: 0, unexpected: 0, latencies: [] }]));
  const examples: string[] = [];
  const memory: { at: number; mb: number }[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  memory.push({ at: 0, mb: rssMb(pid) });
  const sampler = setInterval(() => memory.push({ at: (performance.now() - started) / 1000, mb: rssMb(pid) }), 1000);
  process.stderr.write(`soak: ${WORKERS} workers for ${SECONDS} s...\n`);

  await Promise.all(workers.map(async (worker) => {
    while (performance.now() < deadline) {
      const kind = pick(apiKeys);
      const tally = tallies.get(kind)!;
      const sentAt = performance.now();
      let outcome: Outcome;
      try {
        outcome = await send(base, worker, kind);
      } catch (error) {
        outcome = { ok: false, why: `network: ${String(error)}` };
      }
      tally.latencies.push(performance.now() - sentAt);
      tally.requests += 1;
      if (outcome.refused === true) tally.refused += 1;
      if (!outcome.ok) {
        tally.unexpected += 1;
        if (examples.length < 5) examples.push(`${kind}: ${outcome.why}`);
        if (kind === 'refresh' || kind === 'login') {
          // A broken chain cannot go on: start a new one, so the mix stays as it was.
          const again = await signUpTokens(base, benchEmail(`soak-again${worker.index}`)).catch(() => undefined);
          if (again !== undefined) Object.assign(worker, { user: again, accessToken: again.accessToken, refreshToken: again.refreshToken });
        }
      }
    }
  }));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  memory.push({ at: seconds, mb: rssMb(pid) });
  closeClientSockets();
  const exitCode = await child.stop();

  // -------------------------------------------------------------------------------------------------
  const all: Tally = { requests: 0, refused: 0, unexpected: 0, latencies: [] };
  const lines = [`| kind | requests | req/s | refused (expected) | unexpected | p50 ms | p99 ms |`, `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`];
  for (const [kind, tally] of tallies) {
    if (tally.requests === 0) continue;
    const sorted = tally.latencies.sort((a, b) => a - b);
    lines.push(`| ${kind} | ${fmt(tally.requests)} | ${fmt(tally.requests / seconds)} | ${fmt(tally.refused)} | ${fmt(tally.unexpected)} | ${fmt(percentile(sorted, 0.5), 1)} | ${fmt(percentile(sorted, 0.99), 1)} |`);
    all.requests += tally.requests;
    all.refused += tally.refused;
    all.unexpected += tally.unexpected;
    for (const latency of sorted) all.latencies.push(latency);
  }
  const sortedAll = all.latencies.sort((a, b) => a - b);
  lines.push(`| **all** | ${fmt(all.requests)} | ${fmt(all.requests / seconds)} | ${fmt(all.refused)} | ${fmt(all.unexpected)} | ${fmt(percentile(sortedAll, 0.5), 1)} | ${fmt(percentile(sortedAll, 0.99), 1)} |`);

  const start = memory[0]!.mb;
  const middle = memory.reduce((best, sample) => (Math.abs(sample.at - seconds / 2) < Math.abs(best.at - seconds / 2) ? sample : best)).mb;
  const end = memory.at(-1)!.mb;
  const peak = Math.max(...memory.map((sample) => sample.mb));

  console.log(`\nLatchkey soak: ${fmt(seconds, 1)} s, ${WORKERS} workers, ${db.describe}\n`);
  console.log(lines.join('\n'));
  console.log(`\nServer memory (VmRSS): start ${fmt(start, 1)} MB, middle ${fmt(middle, 1)} MB, end ${fmt(end, 1)} MB, peak ${fmt(peak, 1)} MB; growth ${end >= start ? '+' : ''}${fmt(end - start, 1)} MB (${fmt(((end - start) / start) * 100, 1)} %)`);
  console.log(`Unexpected answers: ${all.unexpected}${examples.length === 0 ? '' : `\n  ${examples.join('\n  ')}`}`);
  console.log(`Server exit after SIGTERM: ${exitCode === 0 ? '0 (drained)' : String(exitCode)}`);
  return all.unexpected === 0 && exitCode === 0 ? 0 : 1;
}

runMain(main);
