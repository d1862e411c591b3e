import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rateLimitHeaders, retryAfterSeconds } from '../../src/apikeys/rate-limit-headers.ts';
import { MemoryRateLimiter } from '../../src/apikeys/rate-limit.ts';
import { createKey, flushedUsage } from '../helpers/apikeys.ts';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { describeWithRedis, REDIS_URL } from '../helpers/redis.ts';
import { signUpUser } from '../helpers/users.ts';

const WHO = '{ viewer { credential } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until just after the start of a fixed window of `seconds`, on this machine's clock. */
async function startOfNextWindow(seconds: number, offsetMs = 50) {
  const windowMs = seconds * 1000;
  await sleep(windowMs - (Date.now() % windowMs) + offsetMs);
}

describe('the sliding window', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows no burst of twice the limit across a window edge', async () => {
    vi.useFakeTimers();
    const limiter = new MemoryRateLimiter();
    vi.setSystemTime(60_000 * 1000 + 59_000); // one second before a 60 s window ends
    const late = await Promise.all(Array.from({ length: 10 }, () => limiter.hit('k', 10, 60)));
    expect(late.every((d) => d.allowed)).toBe(true);
    vi.setSystemTime(60_000 * 1001 + 1_000); // one second into the next window
    const early = await Promise.all(Array.from({ length: 10 }, () => limiter.hit('k', 10, 60)));
    expect(early.filter((d) => d.allowed)).toHaveLength(0);
    const refused = early[0]!;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    vi.setSystemTime(60_000 * 1001 + 31_000); // half the previous window has slid out
    const later = await Promise.all(Array.from({ length: 10 }, () => limiter.hit('k', 10, 60)));
    expect(later.filter((d) => d.allowed).length).toBe(5); // 10 - 10 × (29 / 60) ≈ 5.2 left
  });

  it('tells in Retry-After and RateLimit t the second a refused client is served again, not earlier', async () => {
    vi.useFakeTimers();
    const base = 60_000 * 2000;
    for (const [previousCount, startMs, limit] of [[0, 0, 5], [10, 1_000, 10], [7, 45_500, 10], [3, 59_900, 4], [0, 30_000, 1]] as const) {
      const limiter = new MemoryRateLimiter();
      const key = `k${previousCount}-${startMs}-${limit}`;
      vi.setSystemTime(base - 60_000 + 30_000);
      for (let i = 0; i < previousCount; i += 1) await limiter.hit(key, limit, 60);
      vi.setSystemTime(base + startMs);
      let refused = await limiter.hit(key, limit, 60);
      while (refused.allowed) refused = await limiter.hit(key, limit, 60);
      const seconds = retryAfterSeconds(refused);
      expect(rateLimitHeaders(refused).RateLimit).toBe(`"key";r=0;t=${seconds}`);
      vi.setSystemTime(base + startMs + refused.retryAfterMs - 1);
      expect((await limiter.hit(key, limit, 60)).allowed, `${key}: 1 ms early (a refused hit spends nothing)`).toBe(false);
      vi.setSystemTime(base + startMs + seconds * 1000);
      expect((await limiter.hit(key, limit, 60)).allowed, `${key}: after Retry-After`).toBe(true);
    }
  });
});

for (const store of ['in-process', 'Redis'] as const) {
  (store === 'Redis' ? describeWithRedis : describe)(`API-key rate limits, ${store} (${ENGINE})`, () => {
    let app: TestApp;
    let token: string;
    beforeAll(async () => {
      app = await startTestApp({ env: store === 'Redis' ? { REDIS_URL } : {} });
      token = (await signUpUser(app)).accessToken;
    });
    afterAll(() => app.close());

    it('serves a refused client that waits as long as Retry-After and RateLimit t say, both the same', async () => {
      const key = await createKey(app, token, { rateLimit: { limit: 2, windowSeconds: 2 } });
      const ask = () => app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } });
      let refused = await ask();
      while (refused.status === 200) refused = await ask();
      expect(refused.status).toBe(429);
      const seconds = Number(refused.headers.get('retry-after'));
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit')).toBe(`"key";r=0;t=${seconds}`);
      await sleep(seconds * 1000);
      expect((await ask()).status).toBe(200);
    });

    it('answers 429 with Retry-After and RateLimit headers past the limit, and counts it', async () => {
      const key = await createKey(app, token, { rateLimit: { limit: 5, windowSeconds: 60 } });
      const served = [];
      for (let i = 0; i < 5; i += 1) served.push(await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } }));
      expect(served.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(served[0]!.headers.get('ratelimit-policy')).toBe('"key";q=5;w=60');
      expect(served[4]!.headers.get('ratelimit')).toMatch(/^"key";r=0;t=\d+$/);
      const refused = await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toBe(`"key";r=0;t=${refused.headers.get('retry-after')}`);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(refused.body.data).toBeUndefined();
      await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } });
      await app.app.services.usage.flush();
      expect(await flushedUsage(app, key.id)).toEqual({ requests: 7, rate_limited: 2, errors: 0 });
      // Audited, but sampled: one event for the two refusals of the same minute.
      const events = await app.database.rows<{ detail: string }>(sql`select detail from audit_events where type = 'api_key.rate_limited' and detail like ${`%${key.id}%`}`);
      expect(events).toHaveLength(1);
    });

    it('carries no budget over a window edge (a fixed window would allow twice the limit)', async () => {
      const key = await createKey(app, token, { rateLimit: { limit: 10, windowSeconds: 2 } });
      const burst = async () => (await Promise.all(Array.from({ length: 10 }, () =>
        app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } })))).filter((r) => r.status === 200).length;
      await startOfNextWindow(2, 100);
      expect(await burst()).toBe(10);
      await startOfNextWindow(2, 50);
      expect(await burst()).toBeLessThanOrEqual(2);
    });

    it('keeps a key with no limit unlimited', async () => {
      const key = await createKey(app, token);
      const results = await Promise.all(Array.from({ length: 30 }, () => app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } })));
      expect(results.every((r) => r.status === 200 && r.headers.get('ratelimit') === null)).toBe(true);
    });
  });
}

if (ENGINE === 'postgres') {
  describeWithRedis('a rate limit shared through Redis by two instances', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({ env: { REDIS_URL } }, (apps) => ({ one, two } = apps));

    it('spends one budget whichever instance serves', async () => {
      const { accessToken } = await signUpUser(one);
      const key = await createKey(one, accessToken, { rateLimit: { limit: 6, windowSeconds: 60 } });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? one : two).gql(WHO, {}, { headers: { 'x-api-key': key.secret } })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(6);
      expect(results.filter((r) => r.status === 429)).toHaveLength(6);
    });
  });
}
