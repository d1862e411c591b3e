import type { RateLimitDecision } from './rate-limit.ts';

/** The IETF httpapi RateLimit-Policy and RateLimit header fields (draft-ietf-httpapi-ratelimit-headers). */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Policy': `"key";q=${decision.limit};w=${decision.windowSeconds}`,
    RateLimit: `"key";r=${decision.remaining};t=${Math.max(0, Math.ceil(decision.resetMs / 1000))}`,
  };
}
