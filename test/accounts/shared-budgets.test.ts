import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { REQUEST_PASSWORD_RESET } from '../helpers/recovery.ts';
import { describeWithRedis, describeWithRedisServer, REDIS_URL, redisServerPath } from '../helpers/redis.ts';
import { freePort } from '../helpers/server-process.ts';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

const env = { REDIS_URL, TRUST_PROXY: 'true' };

/** A client address of its own per test: Redis outlives test runs, and budgets last up to an hour. */
const newAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const failLogin = (app: TestApp, ip: string) =>
  app.gql(LOGIN, { input: { email: uniqueEmail('nobody'), password: 'wrong password!' } }, { headers: { 'x-forwarded-for': ip } });
const requestReset = (app: TestApp, email: string, ip = newAddress()) =>
  app.gql(REQUEST_PASSWORD_RESET, { email }, { headers: { 'x-forwarded-for': ip } });
const outcome = (reply: { body: { data?: Record<string, { __typename: string }> } }) => Object.values(reply.body.data ?? {})[0]?.__typename;

// Two instances on one database need a database server; PGlite is one process's own.
if (ENGINE === 'postgres') {
  describeWithRedis('sign-in and mail budgets shared through Redis by two instances', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({ env }, (apps) => ({ one, two } = apps));

    it('refuses the 101st failed login from one address, whichever instance the 100 went to', async () => {
      const ip = newAddress();
      for (let batch = 0; batch < 10; batch += 1) {
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => failLogin(i % 2 === 0 ? one : two, ip)));
        expect(replies.map(outcome)).toEqual(Array(10).fill('InvalidCredentialsError'));
      }
      expect(outcome(await failLogin(one, ip))).toBe('RateLimitedError');
      expect(outcome(await failLogin(two, ip))).toBe('RateLimitedError');
      expect(outcome(await failLogin(two, newAddress()))).toBe('InvalidCredentialsError');
    }, 60_000);

    it('mails one address at most 5 times an hour, whichever instance is asked', async () => {
      const user = await signUpUser(one);
      for (const app of [one, two, one, two, one]) expect(outcome(await requestReset(app, user.email))).toBe('RequestAcceptedPayload');
      expect(outcome(await requestReset(two, user.email))).toBe('RateLimitedError');
      expect(outcome(await requestReset(one, user.email))).toBe('RateLimitedError');
    });

    it('keeps another deployment on the same Redis out of these budgets', async () => {
      const ip = newAddress();
      const email = uniqueEmail('shared');
      for (let i = 0; i < 5; i += 1) await requestReset(one, email, ip);
      expect(outcome(await requestReset(two, email, ip))).toBe('RateLimitedError');
      const other = await startTestApp({ env });
      try {
        expect(outcome(await requestReset(other, email, ip))).toBe('RequestAcceptedPayload');
      } finally {
        await other.close();
      }
    });
  });
}

describeWithRedisServer(`budgets while Redis is down (${ENGINE})`, () => {
  let redis: ChildProcess;
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    redis = spawn(redisServerPath(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; ; i += 1) {
      try {
        app = await startTestApp({ env: { REDIS_URL: url, TRUST_PROXY: 'true' } });
        break;
      } catch (error) {
        if (i === 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  afterAll(async () => {
    await app?.close();
    redis?.kill('SIGKILL');
  });

  it('still signs users in and still counts failures, per instance, until Redis is back', async () => {
    const user = await signUpUser(app);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const ip = newAddress();
    const login = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }, { headers: { 'x-forwarded-for': ip } });
    expect(login.status).toBe(200);
    expect(outcome(login)).toBe('TokenAuthPayload');
    for (let batch = 0; batch < 10; batch += 1) {
      const replies = await Promise.all(Array.from({ length: 10 }, () => failLogin(app, ip)));
      expect(replies.map(outcome)).toEqual(Array(10).fill('InvalidCredentialsError'));
    }
    expect(outcome(await failLogin(app, ip))).toBe('RateLimitedError');
    expect(outcome(await requestReset(app, user.email))).toBe('RequestAcceptedPayload');
  }, 60_000);
});
