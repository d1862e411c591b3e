import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from './errors.ts';

/** A fixed number of attempts per key and window (failed logins per address, reset mails per address...). */
export interface Budget {
  /** Spends one attempt; throws RateLimitedError, with the wait, when the key has none left. */
  take(key: string): Promise<void>;
  /** Returns one attempt, e.g. when the credential turned out right. */
  giveBack(key: string): Promise<void>;
}

/** Makes the budget called `name`; every instance that makes the same name shares it when the store is shared. */
export type BudgetStore = (name: string, points: number, windowSeconds: number) => Budget;

/** Budgets counted in this process: right for one instance, per instance behind a load balancer. */
export const memoryBudgets: BudgetStore = (name, points, windowSeconds) =>
  budgetOf(new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }));

/**
 * Budgets shared by every instance through Redis, under `namespace` (one per database, so that two
 * deployments sharing a Redis do not share budgets). While Redis cannot be reached each instance
 * counts in memory instead: sign-in keeps working, with per-instance budgets until Redis is back.
 */
export function redisBudgets(redis: Redis, namespace: string): BudgetStore {
  return (name, points, windowSeconds) => budgetOf(new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `latchkey:budget:${namespace}:${name}`,
    points,
    duration: windowSeconds,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }),
  }));
}

function budgetOf(limiter: RateLimiterAbstract): Budget {
  return {
    async take(key) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        throw rejection;
      }
    },
    async giveBack(key) {
      await limiter.reward(key);
    },
  };
}
