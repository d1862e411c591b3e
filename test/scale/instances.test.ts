import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { CREATE_KEY } from '../helpers/apikeys.ts';
import { ENGINE, freshDatabase, type FreshDatabase } from '../helpers/database.ts';
import { describeWithRedis, REDIS_URL } from '../helpers/redis.ts';
import { freePort, spawnServer, type Exit } from '../helpers/server-process.ts';
import { PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

/**
 * Several instances of the real server (`node --import tsx src/main.ts`) on one database (issue 8).
 * On PostgreSQL (TEST_DATABASE_URL): two processes, A and B, sharing the database and Redis.
 * On PGlite two processes cannot share the embedded database, so the file shows instead what one
 * process can: usage counted across a graceful restart is exact.
 */
const START_TIMEOUT_MS = 45_000;
const PROPAGATION_MS = 1_000;
const WHO = '{ viewer { credential apiKey { id } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  readonly status: number;
  readonly body: { data?: any; errors?: any[] };
}

interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<Answer>;
  stop(): Promise<Exit>;
  /** SIGKILL if still running (clean-up only). */
  kill(): Promise<void>;
}

/**
 * Spawns main.ts with only the given environment (plus PATH and HOME) and waits until /healthz answers:
 * with LOG_LEVEL=warn the "serving" line (info) is not logged.
 */
async function startInstance(port: number, env: Record<string, string>): Promise<Instance> {
  const spawned = spawnServer({ PORT: String(port), ...env });
  const { child, out, running } = spawned;
  const url = `http://127.0.0.1:${port}`;

  const instance: Instance = {
    url, child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    gql: async (query, variables = {}, headers = {}) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    },
    stop: spawned.stop,
    kill: spawned.kill,
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!running()) throw new Error(`main.ts exited during start-up.\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return instance;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await instance.kill();
      throw new Error(`main.ts did not answer /healthz within ${START_TIMEOUT_MS} ms.\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
    }
    await sleep(100);
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const apiKey = (secret: string) => ({ 'x-api-key': secret });

async function signUp(instance: Instance): Promise<{ accessToken: string }> {
  const { body } = await instance.gql(SIGN_UP, { input: { email: uniqueEmail('scale'), password: PASSWORD } });
  if (body.data?.signUp?.__typename !== 'TokenAuthPayload') throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { accessToken: body.data.signUp.tokens.accessToken };
}

async function createKey(instance: Instance, token: string, input: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const { body } = await instance.gql(CREATE_KEY, { input: { name: 'scale key', ...input } }, bearer(token));
  const result = body.data?.createApiKey;
  if (result?.__typename !== 'CreateApiKeyPayload') throw new Error(`createApiKey failed: ${JSON.stringify(body)}`);
  return { id: result.apiKey.id, secret: result.secret };
}

/**
 * Asks `instance` every 20 ms until `refused` holds for its answer; fails if that takes more than
 * PROPAGATION_MS from now. Returns how long it took.
 */
async function refusedWithin(ask: () => Promise<Answer>, refused: (answer: Answer) => boolean): Promise<number> {
  const started = Date.now();
  let last: Answer | undefined;
  while (Date.now() - started <= PROPAGATION_MS) {
    last = await ask();
    if (refused(last)) return Date.now() - started;
    await sleep(20);
  }
  throw new Error(`still accepted ${PROPAGATION_MS} ms later: ${JSON.stringify(last)}`);
}

const revoked = (answer: Answer) => answer.status === 401
  && answer.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' && answer.body.errors[0].extensions.reason === 'revoked';

const USAGE_TABLES = ['api_key_usage', 'api_key_usage_hourly', 'api_key_usage_daily'] as const;

if (ENGINE === 'postgres') {
  describeWithRedis('two instances on one PostgreSQL database, sharing Redis', () => {
    let database: FreshDatabase;
    let a: Instance;
    let b: Instance;
    let token: string;
    const started: Instance[] = [];
    const propagation: Record<string, number> = {};

    beforeAll(async () => {
      database = await freshDatabase();
      if (database.config.kind !== 'postgres') throw new Error('expected a PostgreSQL database');
      const [portA, portB] = [await freePort(), await freePort()];
      const env = {
        DATABASE_URL: database.config.url, REDIS_URL, PUBLIC_URL: `http://localhost:${portA}`,
        USAGE_FLUSH_SECONDS: '300', LOG_LEVEL: 'warn',
      };
      // Both at once, on an empty database: the migrations' advisory lock lets one apply them and the other wait.
      const starts = [startInstance(portA, env), startInstance(portB, env)];
      const results = await Promise.allSettled(starts);
      for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      [a, b] = started as [Instance, Instance];
      token = (await signUp(a)).accessToken;
    }, 60_000);

    afterAll(async () => {
      await Promise.all(started.map((instance) => instance.kill()));
      await database?.drop();
      console.info(`propagation A → B (ms): ${JSON.stringify(propagation)}`);
    });

    it('honours a logout on A on B within a second: the same access token is refused (revoked)', async () => {
      const user = await signUp(a);
      // B has verified the token already: it is in B's verified-token cache.
      expect((await b.gql(WHO, {}, bearer(user.accessToken))).body.data?.viewer?.credential).toBe('ACCESS_TOKEN');
      const logout = await a.gql('mutation { logout { revokedSessions } }', {}, bearer(user.accessToken));
      expect(logout.body.data?.logout).toEqual({ revokedSessions: 1 });
      propagation.logout = await refusedWithin(() => b.gql(WHO, {}, bearer(user.accessToken)), revoked);
      expect(revoked(await a.gql(WHO, {}, bearer(user.accessToken)))).toBe(true);
    });

    it('honours a key revocation on A on B within a second, though B had cached the key', async () => {
      const key = await createKey(a, token);
      expect((await b.gql(WHO, {}, apiKey(key.secret))).body.data?.viewer?.apiKey).toEqual({ id: key.id });
      const revoke = await a.gql(`mutation { revokeApiKey(id: "${key.id}") { __typename ... on ApiKey { revokedAt } } }`, {}, bearer(token));
      expect(revoke.body.data?.revokeApiKey?.revokedAt).toBeTruthy();
      propagation.revoke = await refusedWithin(() => b.gql(WHO, {}, apiKey(key.secret)), revoked);
    });

    it('honours a key roll on A on B within a second: the old secret refused, the new one accepted', async () => {
      const key = await createKey(a, token);
      expect((await b.gql(WHO, {}, apiKey(key.secret))).status).toBe(200);
      const roll = await a.gql(`mutation { rollApiKey(id: "${key.id}") { ... on CreateApiKeyPayload { secret apiKey { id } } } }`, {}, bearer(token));
      const rolled = roll.body.data?.rollApiKey;
      expect(rolled?.apiKey).toEqual({ id: key.id });
      propagation.roll = await refusedWithin(() => b.gql(WHO, {}, apiKey(key.secret)), (answer) => answer.status === 401);
      const fresh = await b.gql(WHO, {}, apiKey(rolled.secret));
      expect(fresh.status).toBe(200);
      expect(fresh.body.data?.viewer?.apiKey).toEqual({ id: key.id });
    });

    it('shares a key\'s rate limit through Redis: 20 concurrent requests alternating A and B, exactly 10 served', async () => {
      const key = await createKey(a, token, { rateLimit: { limit: 10, windowSeconds: 60 } });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).gql(WHO, {}, apiKey(key.secret))));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(10);
      for (const answer of answers.filter((x) => x.status === 429)) expect(answer.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    });

    it('counts usage on both and flushes it at SIGTERM: exactly 60 requests in the minute, hour and day rows', async () => {
      const key = await createKey(a, token);
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).gql(WHO, {}, apiKey(key.secret))));
      expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(200));

      const exits = await Promise.all([a.stop(), b.stop()]);
      expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
      expect(a.stderr()).toBe('');
      expect(b.stderr()).toBe('');

      const client = postgres(database.config.kind === 'postgres' ? database.config.url : '', { max: 1, onnotice: () => {} });
      try {
        for (const table of USAGE_TABLES) {
          const [row] = await client<{ requests: number }[]>`
            select coalesce(sum(requests), 0)::int as requests from ${client(table)} where key_id = ${key.id}`;
          expect({ table, requests: row!.requests }).toEqual({ table, requests: 60 });
        }
      } finally {
        await client.end();
      }
    }, 45_000);
  });
} else {
  describe('one instance on the embedded database (two processes cannot share PGlite)', () => {
    it('counts usage exactly across a graceful restart: 30 requests, SIGTERM, restart, 30 more, SIGTERM → 60', async ({ onTestFinished }) => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-scale-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const dataDir = join(dir, 'data');
      const port = await freePort();
      const env = { DATA_DIR: dataDir, PUBLIC_URL: `http://localhost:${port}`, USAGE_FLUSH_SECONDS: '300', LOG_LEVEL: 'warn' };

      const first = await startInstance(port, env);
      onTestFinished(() => first.kill());
      const { accessToken } = await signUp(first);
      const key = await createKey(first, accessToken);
      const burst = async (instance: Instance) => (await Promise.all(Array.from({ length: 30 }, () =>
        instance.gql(WHO, {}, apiKey(key.secret))))).map((answer) => answer.status);
      expect(await burst(first)).toEqual(Array(30).fill(200));
      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expect(first.stderr()).toBe('');

      const second = await startInstance(port, env);
      onTestFinished(() => second.kill());
      expect(await burst(second)).toEqual(Array(30).fill(200));
      expect(await second.stop()).toEqual({ code: 0, signal: null });
      expect(second.stderr()).toBe('');

      // Only once the server has exited: PGlite is one process's database.
      const database = await openDatabase({ kind: 'pglite', dataDir });
      try {
        for (const table of USAGE_TABLES) {
          const [row] = await database.rows<{ requests: number }>(sql`
            select coalesce(sum(requests), 0)::int as requests from ${sql.identifier(table)} where key_id = ${key.id}`);
          expect({ table, requests: row!.requests }).toEqual({ table, requests: 60 });
        }
      } finally {
        await database.close();
      }
    }, 90_000);
  });
}
