import type { RateLimitDecision } from './rate-limit.ts';

/** Whole seconds until the limiter will allow a request again: at least 1, never before it would. */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

/**
 * The IETF httpapi RateLimit-Policy and RateLimit header fields (draft-ietf-httpapi-ratelimit-headers).
 * With budget left, `t` is when the current window ends; with none (`r=0`), when the next request will be
 * served, the same number as Retry-After: a client that waits `t` seconds is served.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const reset = decision.retryAfterMs > 0 ? retryAfterSeconds(decision) : Math.max(0, Math.ceil(decision.resetMs / 1000));
  return {
    'RateLimit-Policy': `"key";q=${decision.limit};w=${decision.windowSeconds}`,
    RateLimit: `"key";r=${decision.remaining};t=${reset}`,
  };
}
