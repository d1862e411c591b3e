import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, TEST_DATABASE_URL, type FreshDatabase } from './helpers/database.ts';
import { freePort, spawnServer, type Exit } from './helpers/server-process.ts';
import { LOGIN, PASSWORD, SIGN_UP, uniqueEmail } from './helpers/users.ts';

// Generous: a fresh PGlite runs initdb in WebAssembly, which takes many seconds on a busy machine.
const START_TIMEOUT_MS = 45_000;


interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Every JSON line logged on stdout so far. */
  logs(): LogLine[];
  /** Resolves once the lines logged so far meet the condition; fails when the process exits or time runs out. */
  waitForLogs(condition: (logs: LogLine[]) => boolean, timeoutMs?: number): Promise<void>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, bearer?: string): Promise<{ status: number; body: { data?: T; errors?: any[] } }>;
  /** SIGTERM, then the exit, which must come within STOP_TIMEOUT_MS. */
  stop(): Promise<Exit>;
}

/** The real server, `npm start` minus npm (helpers/server-process.ts): these tests see what an operator sees. */

/** Registers a clean-up for the current test (the test context's onTestFinished: safe with concurrent tests). */
type OnFinished = (cleanup: () => void | Promise<void>) => void;

function spawnMain(onFinished: OnFinished, env: Record<string, string>) {
  const server = spawnServer(env);
  onFinished(() => server.kill());
  return server;
}

/** Runs main.ts to its end, as a failing start-up does; kills it if it is still up after the timeout. */
async function runToExit(onFinished: OnFinished, env: Record<string, string>, timeoutMs = START_TIMEOUT_MS) {
  const { child, exited, out } = spawnMain(onFinished, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, stdout: out.stdout, stderr: out.stderr, stderrLines: out.stderr.split('\n').filter((l) => l !== '') };
}

async function tempDir(onFinished: OnFinished): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-main-'));
  onFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A DATA_DIR that does not exist yet, as on a first `npm start`. */
async function newDataDir(onFinished: OnFinished): Promise<string> {
  return join(await tempDir(onFinished), 'data');
}

/**
 * A DATA_DIR holding an empty, initialized but unmigrated cluster: a copy of one made once per file, because
 * initdb is the slow part of a first start and one test (the restart test) covers that path already.
 */
let template: Promise<string> | undefined;
afterAll(async () => {
  if (template !== undefined) await rm(join(await template, '..'), { recursive: true, force: true });
});
async function initializedDataDir(onFinished: OnFinished): Promise<string> {
  template ??= (async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'latchkey-template-')), 'data');
    await (await PGlite.create(dir)).close();
    return dir;
  })();
  const dataDir = await newDataDir(onFinished);
  await cp(await template, dataDir, { recursive: true });
  return dataDir;
}

function parseLogs(stdout: string): LogLine[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return []; // a line still being written
    }
  });
}

/** Starts main.ts on a free port and waits for its "serving" line. */
async function startServer(onFinished: OnFinished, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const spawned = spawnMain(onFinished, { PORT: String(port), ...env });
  const { child, exited, out } = spawned;
  const url = `http://127.0.0.1:${port}`;

  const waitForLogs: Server['waitForLogs'] = (condition, timeoutMs = START_TIMEOUT_MS) => new Promise((resolve, reject) => {
    const check = () => {
      if (!condition(parseLogs(out.stdout))) return false;
      done();
      resolve();
      return true;
    };
    const fail = (why: string) => {
      done();
      reject(new Error(`${why}.\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
    };
    const onExit = () => void (check() || fail('main.ts exited before the expected log lines'));
    const timer = setTimeout(() => fail(`no expected log lines within ${timeoutMs} ms`), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('close', onExit);
    };
    if (check()) return;
    child.stdout!.on('data', check);
    child.on('close', onExit);
  });

  const server: Server = {
    url, child, exited,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    logs: () => parseLogs(out.stdout),
    waitForLogs,
    gql: async (query, variables, bearer) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, body: (await response.json()) as any };
    },
    stop: spawned.stop,
  };
  await waitForLogs((logs) => logs.some((line) => line.msg === 'serving'));
  return server;
}

const noStackTrace = (output: string) => expect(output).not.toMatch(/^\s{4}at /m);

describe('main.ts, the server process', () => {
  describe.concurrent('when start-up fails', () => {
    it('exits 1 with one line naming PORT when PORT is bad, and no stack trace', async ({ onTestFinished }) => {
      const run = await runToExit(onTestFinished, { PORT: 'abc' });
      expect(run.code).toBe(1);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toMatch(/\bPORT\b/);
      noStackTrace(run.stderr + run.stdout);
    });

    it('exits 1 with one line per bad variable', async ({ onTestFinished }) => {
      const run = await runToExit(onTestFinished, { PORT: 'abc', TRUST_PROXY: 'maybe' });
      expect(run.code).toBe(1);
      expect(run.stderrLines).toHaveLength(2);
      expect(run.stderrLines.some((line) => /\bPORT\b/.test(line))).toBe(true);
      expect(run.stderrLines.some((line) => /\bTRUST_PROXY\b/.test(line))).toBe(true);
      noStackTrace(run.stderr + run.stdout);
    });

    it('exits 1 with one line, without the password, when PostgreSQL cannot be reached', async ({ onTestFinished }) => {
      const run = await runToExit(onTestFinished, { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing' });
      expect(run.code).toBe(1);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toMatch(/cannot reach PostgreSQL/);
      expect(run.stderrLines[0]).toContain('127.0.0.1:1/nothing');
      expect(run.stdout + run.stderr).not.toContain('s3cret');
      noStackTrace(run.stderr + run.stdout);
    });

    it('exits 1 with one line naming REDIS_URL, without the password, when Redis cannot be reached', async ({ onTestFinished }) => {
      const run = await runToExit(onTestFinished, { DATA_DIR: await initializedDataDir(onTestFinished), REDIS_URL: 'redis://default:s3cret@127.0.0.1:1' });
      expect(run.code).toBe(1);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toMatch(/^latchkey: REDIS_URL: cannot reach Redis at 127\.0\.0\.1:1: /);
      expect(run.stdout + run.stderr).not.toContain('s3cret');
      noStackTrace(run.stderr + run.stdout);
    }, 90_000);

    it('exits 1 with one line naming ADMIN_PASSWORD when it is too weak to sign up with', async ({ onTestFinished }) => {
      const run = await runToExit(onTestFinished, {
        DATA_DIR: await initializedDataDir(onTestFinished), ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'password',
      });
      expect(run.code).toBe(1);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toContain('ADMIN_PASSWORD:');
      noStackTrace(run.stderr + run.stdout);
    }, 90_000);
  });

  /** Where each engine's data lives for one test: a temp DATA_DIR, or a fresh database on TEST_DATABASE_URL. */
  const engines: [string, boolean, (onFinished: OnFinished) => Promise<{ env: Record<string, string>; database: string; secret?: string }>][] = [
    ['the embedded database', true, async (onFinished) => {
      const dataDir = await newDataDir(onFinished);
      return { env: { DATA_DIR: dataDir }, database: `pglite ${dataDir}` };
    }],
    ['PostgreSQL', TEST_DATABASE_URL !== undefined, async (onFinished) => {
      const fresh: FreshDatabase = await freshDatabase();
      onFinished(() => fresh.drop());
      if (fresh.config.kind !== 'postgres') throw new Error('expected a PostgreSQL database');
      const url = new URL(fresh.config.url);
      // A password that must never be logged (trust auth ignores it; a real one must not leak either).
      if (url.password === '') url.password = 'n0t-logged-s3cret';
      return { env: { DATABASE_URL: url.href }, database: `postgres ${url.hostname}:${url.port || '5432'}${url.pathname}`, secret: url.password };
    }],
  ];

  // Only the engines this run has: PostgreSQL when TEST_DATABASE_URL names one (CI runs both).
  describe.each(engines.filter(([, available]) => available))('on %s', (_engine, _available, prepare) => {
    it('serves, stops on SIGTERM with 0, and keeps its data across a restart', async ({ onTestFinished }) => {
      const { env, database, secret } = await prepare(onTestFinished);
      const first = await startServer(onTestFinished, env);

      const serving = first.logs().filter((line) => line.msg === 'serving');
      expect(serving).toHaveLength(1);
      expect(serving[0]).toMatchObject({ url: first.url, database });
      if (secret !== undefined) expect(first.stdout() + first.stderr()).not.toContain(secret);

      const anonymous = await first.gql('{ viewer { credential } }');
      expect(anonymous).toEqual({ status: 200, body: { data: { viewer: { credential: 'ANONYMOUS' } } } });

      const email = uniqueEmail('restart');
      const signUp = await first.gql(SIGN_UP, { input: { email, password: PASSWORD } });
      expect(signUp.body.data?.signUp).toMatchObject({ __typename: 'TokenAuthPayload', user: { email } });

      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expect(first.stderr()).toBe('');

      // Migrations already applied must not be applied again, and the account must still be there.
      const second = await startServer(onTestFinished, env);
      const login = await second.gql(LOGIN, { input: { email, password: PASSWORD } });
      expect(login.body.data?.login).toMatchObject({ __typename: 'TokenAuthPayload', user: { email } });
      expect(await second.stop()).toEqual({ code: 0, signal: null });
      expect(second.stderr()).toBe('');
      if (secret !== undefined) expect(second.stdout()).not.toContain(secret);
    }, 120_000);
  });

  it('finishes the requests in flight when SIGTERM comes, then exits 0', async ({ onTestFinished }) => {
    // LOG_LEVEL=debug makes Yoga log each request it starts: proof that the server holds them all.
    const server = await startServer(onTestFinished, { DATA_DIR: await initializedDataDir(onTestFinished), LOG_LEVEL: 'debug' });
    const started = (logs: LogLine[]) => logs.filter((line) => line.msg.startsWith('Parsing request')).length;
    const before = started(server.logs());
    const emails = Array.from({ length: 6 }, () => uniqueEmail('inflight'));
    const signUps = emails.map((email) => server.gql(SIGN_UP, { input: { email, password: PASSWORD } }));
    await server.waitForLogs((logs) => started(logs) >= before + emails.length);

    // Six argon2 hashes on a four-thread pool: most of them are still being worked on.
    const stopping = Date.now();
    const exit = server.stop();
    const results = await Promise.all(signUps);
    for (const [index, result] of results.entries()) {
      expect(result.status).toBe(200);
      expect(result.body.data?.signUp).toMatchObject({ __typename: 'TokenAuthPayload', user: { email: emails[index] } });
    }
    expect(await exit).toEqual({ code: 0, signal: null });
    // Connections kept alive by the client are closed once their request is answered, not after the drain deadline.
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(server.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    expect(server.stderr()).toBe('');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  }, 90_000);

  it('creates the ADMIN_EMAIL account at start-up, verified and with the role admin', async ({ onTestFinished }) => {
    const email = uniqueEmail('admin');
    const server = await startServer(onTestFinished, { DATA_DIR: await initializedDataDir(onTestFinished), ADMIN_EMAIL: email, ADMIN_PASSWORD: PASSWORD });
    expect(server.logs().find((l) => l.msg === 'admin account')).toMatchObject({ email, outcome: 'created' });

    const login = await server.gql(LOGIN, { input: { email, password: PASSWORD } });
    expect(login.body.data?.login).toMatchObject({ __typename: 'TokenAuthPayload', user: { email } });
    const me = await server.gql('{ me { email roles emailVerified } }', {}, login.body.data.login.tokens.accessToken);
    expect(me).toEqual({ status: 200, body: { data: { me: { email, roles: ['admin'], emailVerified: true } } } });

    expect(server.stdout() + server.stderr()).not.toContain(PASSWORD);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 90_000);
});
