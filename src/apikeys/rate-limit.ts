import type { Redis } from 'ioredis';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Requests left in the current window after this one. */
  readonly remaining: number;
  /** Milliseconds until the current window ends. */
  readonly resetMs: number;
  /**
   * Milliseconds until the next request would be allowed: 0 while budget is left; when refused, or when
   * this request spent the last of it, the exact wait (so Retry-After and RateLimit agree).
   */
  readonly retryAfterMs: number;
}

/** Counts of the current and previous fixed windows, and how far into the current one we are. */
interface WindowCounts {
  readonly allowed: boolean;
  readonly current: number;
  readonly previous: number;
  readonly elapsedMs: number;
}

/**
 * Sliding-window rate limiting by the two-counter approximation (as Cloudflare and Unkey do): the
 * previous window's count, weighted by how much of it still overlaps the sliding window, plus the
 * current window's. Unlike a fixed window, a client cannot spend its budget at the end of one window
 * and again at the start of the next: there is no burst of twice the limit across the edge.
 */
export interface RateLimiter {
  hit(keyId: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

function estimate(previous: number, current: number, elapsedMs: number, windowMs: number): number {
  return previous * (1 - elapsedMs / windowMs) + current;
}

/** Turns raw counts into a decision; shared by both stores, so they agree to the request. */
export function decide(counts: WindowCounts, limit: number, windowSeconds: number): RateLimitDecision {
  const windowMs = windowSeconds * 1000;
  const { current, previous, elapsedMs } = counts;
  const resetMs = windowMs - elapsedMs;
  const used = estimate(previous, current, elapsedMs, windowMs);
  let retryAfterMs = 0;
  if (used + 1 > limit) {
    if (current + 1 > limit) {
      // Wait for the next window, until this window's weight has shrunk enough for one more request.
      retryAfterMs = resetMs + Math.max(0, 1 - (limit - 1) / Math.max(current, 1)) * windowMs;
    } else {
      const neededFraction = 1 - (limit - 1 - current) / Math.max(previous, 1);
      retryAfterMs = Math.max(0, neededFraction * windowMs - elapsedMs);
    }
  }
  return {
    allowed: counts.allowed, limit, windowSeconds,
    remaining: Math.max(0, Math.floor(limit - used)),
    resetMs, retryAfterMs: Math.ceil(retryAfterMs),
  };
}

/** One process's budgets, in memory: the default when REDIS_URL is not set. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { index: number; current: number; previous: number }>();

  async hit(keyId: string, limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    return this.#count(keyId, limit, windowSeconds, true);
  }

  async close(): Promise<void> {}

  #count(keyId: string, limit: number, windowSeconds: number, spend: boolean): RateLimitDecision {
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const index = Math.floor(now / windowMs);
    const stored = this.#windows.get(`${keyId}:${windowSeconds}`);
    let state = { index, current: 0, previous: 0 };
    if (stored?.index === index) state = stored;
    else if (stored?.index === index - 1) state = { index, current: 0, previous: stored.current };
    const elapsedMs = now - index * windowMs;
    const allowed = estimate(state.previous, state.current, elapsedMs, windowMs) + 1 <= limit;
    if (spend && allowed) state = { ...state, current: state.current + 1 };
    this.#windows.set(`${keyId}:${windowSeconds}`, state);
    return decide({ allowed, current: state.current, previous: state.previous, elapsedMs }, limit, windowSeconds);
  }
}

// One atomic script per check, on Redis's own clock so that every instance shares one timeline.
const SLIDING_WINDOW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local spend = ARGV[3] == '1'
local index = math.floor(now / window)
local elapsed = now - index * window
local currentKey = KEYS[1] .. ':' .. index
local current = tonumber(redis.call('GET', currentKey) or '0')
local previous = tonumber(redis.call('GET', KEYS[1] .. ':' .. (index - 1)) or '0')
local allowed = previous * (1 - elapsed / window) + current + 1 <= limit
if allowed and spend then
  current = redis.call('INCR', currentKey)
  redis.call('PEXPIRE', currentKey, window * 2 + 1000)
end
return { allowed and 1 or 0, current, previous, elapsed }`;

/** Budgets shared by every instance through Redis (REDIS_URL); the connection belongs to the caller. */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
    this.#redis.defineCommand('latchkeySlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
  }

  hit(keyId: string, limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    return this.#run(keyId, limit, windowSeconds, true);
  }

  async close(): Promise<void> {}

  async #run(keyId: string, limit: number, windowSeconds: number, spend: boolean): Promise<RateLimitDecision> {
    const run = (this.#redis as unknown as Record<string, (...args: unknown[]) => Promise<number[]>>).latchkeySlidingWindow!;
    const [allowed, current, previous, elapsedMs] = await run.call(
      this.#redis, `latchkey:rl:{${keyId}}:${windowSeconds}`, limit, windowSeconds * 1000, spend ? '1' : '0');
    return decide({ allowed: allowed === 1, current: current!, previous: previous!, elapsedMs: elapsedMs! }, limit, windowSeconds);
  }
}
