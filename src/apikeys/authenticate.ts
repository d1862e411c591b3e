import { GraphQLError } from 'graphql';
import { unauthenticated, unavailable } from '../http/auth-errors.ts';
import { requestState } from '../http/request-state.ts';
import type { Services } from '../services.ts';
import type { Viewer } from '../viewer.ts';
import { ownerDisabled } from './owner-disabled.ts';
import { countRefusal } from './refusals.ts';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.ts';

/**
 * The API-key credential: checksum, cache, look-up (ApiKeyVerifier), then the key's rate limit. A bad
 * key is a 401; a key over its budget is a 429 with Retry-After and RateLimit headers, counted as
 * rate limited. A store that cannot answer refuses the request (503), never serves it anonymously.
 */
export async function authenticateApiKey(services: Services, request: Request, raw: string, ip: string): Promise<Viewer> {
  let check;
  try {
    check = await services.apiKeys.check(raw);
  } catch (error) {
    services.logger.error({ err: error }, 'API key look-up failed');
    services.metrics.apiKeyChecks.inc({ outcome: 'UNAVAILABLE' });
    throw unavailable();
  }
  if (!check.ok) {
    services.metrics.apiKeyChecks.inc({ outcome: check.code });
    countRefusal(services, check);
    if (check.code === 'REVOKED') throw unauthenticated('revoked', 'The API key was revoked.');
    if (check.code === 'EXPIRED') throw unauthenticated('expired', 'The API key has expired.');
    throw unauthenticated('invalid', 'The API key is not valid.');
  }
  const { key } = check;
  if (await ownerDisabled(services, key.ownerId)) {
    services.metrics.apiKeyChecks.inc({ outcome: 'REVOKED' });
    throw unauthenticated('revoked', 'The account that owns this API key is disabled.');
  }
  const state = requestState(request);
  if (key.rateLimit !== null) {
    let decision;
    try {
      decision = await services.rateLimiter.hit(key.id, key.rateLimit.limit, key.rateLimit.windowSeconds);
    } catch (error) {
      services.logger.error({ err: error }, 'rate-limit store failed');
      throw unavailable();
    }
    state.rateLimit = decision;
    if (!decision.allowed) {
      services.metrics.apiKeyChecks.inc({ outcome: 'RATE_LIMITED' });
      services.metrics.rateLimitRefusals.inc({ limit: 'api_key' });
      services.usage.record(key.id, 'rate_limited');
      await services.rateLimitAudit.refused(key, ip).catch((error: unknown) => services.logger.error({ err: error }, 'audit write failed'));
      throw new GraphQLError('The API key is over its rate limit.', {
        extensions: {
          code: 'RATE_LIMITED',
          http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds(decision)), ...rateLimitHeaders(decision) } },
        },
      });
    }
  }
  state.apiKeyId = key.id;
  services.metrics.apiKeyChecks.inc({ outcome: 'valid' });
  return Object.freeze({ credential: 'API_KEY', userId: key.ownerId, apiKeyId: key.id, scopes: key.scopes });
}
