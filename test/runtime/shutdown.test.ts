import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';
import { freshDatabase } from '../helpers/database.ts';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { LOGIN, PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

const START_TIMEOUT_MS = 150_000;
const DRAIN_SECONDS = 2;
const WORKERS = 8;
type OnFinished = (cleanup: () => void | Promise<void>) => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function storageEnv(onFinished: OnFinished): Promise<Record<string, string>> {
  const fresh = await freshDatabase();
  onFinished(() => fresh.drop());
  if (fresh.config.kind === 'postgres') return { DATABASE_URL: fresh.config.url };
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-drain-'));
  onFinished(() => rm(dir, { recursive: true, force: true }));
  return { DATA_DIR: join(dir, 'data') };
}

async function waitForServing(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!server.out.stdout.includes('"msg":"serving"')) {
    if (!server.running()) throw new Error(`exited before serving:\n${server.out.stderr}`);
    if (Date.now() > deadline) throw new Error(`not serving within ${START_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

const post = (url: string, query: string, variables: Record<string, unknown> = {}) => fetch(`${url}/graphql`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }),
});

describe('shutting down under load', () => {
  it('on SIGTERM /readyz answers 503 at once; every request sent until the balancer sees it, and one in flight, is answered; then exit 0', async ({ onTestFinished }) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnServer({ ...(await storageEnv(onTestFinished)), PORT: String(port), DRAIN_SECONDS: String(DRAIN_SECONDS) });
    onTestFinished(() => server.kill());
    await waitForServing(server);
    const email = uniqueEmail('drain');
    expect((await post(url, SIGN_UP, { input: { email, password: PASSWORD } })).status).toBe(200);

    // The load balancer: polls /readyz and stops routing to this instance at the first 503.
    let routing = true;
    let sawReason: string | undefined;
    const balancer = (async () => {
      while (routing) {
        const response = await fetch(`${url}/readyz`);
        if (response.status === 503) {
          sawReason = ((await response.json()) as { reason: string }).reason;
          routing = false;
        }
        await sleep(20);
      }
    })();
    const answers: { status: number; ok: boolean }[] = [];
    const failures: string[] = [];
    const worker = async () => {
      while (routing) {
        try {
          const response = await post(url, '{ viewer { credential } }');
          const body = (await response.json()) as { data?: { viewer: { credential: string } } };
          answers.push({ status: response.status, ok: body.data?.viewer.credential === 'ANONYMOUS' });
        } catch (error) {
          failures.push(String((error as Error).cause ?? error));
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    await sleep(1000);
    const beforeSignal = answers.length;

    // A slow request (argon2id) in flight when the signal comes.
    const inFlight = post(url, LOGIN, { input: { email, password: PASSWORD } });
    await sleep(5);
    const stopped = server.stop('SIGTERM');
    await balancer;
    await load;

    const login = await inFlight;
    expect(login.status).toBe(200);
    expect(((await login.json()) as any).data.login.__typename).toBe('AuthPayload');
    expect(sawReason).toBe('shutting_down');
    // The balancer was answered 503 (a refused connection would have thrown): readiness turned before the listener closed.
    expect(failures).toEqual([]);
    expect(beforeSignal).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(beforeSignal);
    expect(answers.filter((a) => a.status !== 200 || !a.ok)).toEqual([]);
    expect(await stopped).toEqual({ code: 0, signal: null });
    const lines = server.out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg).filter((m) => m === 'draining' || m === 'stopped')).toEqual(['draining', 'stopped']);
  }, 300_000);
});

describe('readiness with Redis', () => {
  it('answers 503 "redis" while the configured Redis is down, and ready again once it is back', async ({ onTestFinished }) => {
    const port = await freePort();
    const startRedis = (): ChildProcess => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let redis = startRedis();
    onTestFinished(() => void redis.kill('SIGKILL'));
    let app;
    for (let i = 0; ; i += 1) {
      try {
        app = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
        break;
      } catch (error) {
        if (i === 50) throw error;
        await sleep(100);
      }
    }
    onTestFinished(() => app.close());
    const readiness = async () => {
      const response = await app.fetch('/readyz');
      return { status: response.status, body: await response.json() };
    };
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready' } });

    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    expect(await readiness()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'redis' } });

    redis = startRedis();
    let again = await readiness();
    for (let i = 0; i < 100 && again.status !== 200; i += 1) {
      await sleep(100);
      again = await readiness();
    }
    expect(again).toEqual({ status: 200, body: { status: 'ready' } });
  }, 60_000);
});
