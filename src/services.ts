import type { Logger } from 'pino';
import { UserDirectory } from './accounts/directory.ts';
import { RecoveryLimits } from './accounts/recovery-limits.ts';
import { AddressThrottle } from './accounts/throttle.ts';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './apikeys/rate-limit.ts';
import { RateLimitAudit } from './apikeys/rate-limit-audit.ts';
import { UsageRecorder } from './apikeys/usage.ts';
import { ApiKeyVerifier } from './apikeys/verify.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { Invalidations } from './db/notify.ts';
import { UpstreamProviders } from './federation/providers.ts';
import { Mailer } from './mail/send.ts';
import { CookieSessions } from './sessions/cookie.ts';
import { RevokedSessions } from './sessions/revoked-set.ts';
import { SessionRevoker } from './sessions/revoke.ts';
import { AccessTokens } from './tokens/access-token.ts';
import { loadKeyRing, type KeyRing } from './tokens/keys.ts';
import { loadServerSecret } from './tokens/server-secret.ts';

/** What one app instance holds for its whole life: the database and each capability's long-lived state. */
export interface Services {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  readonly invalidations: Invalidations;
  readonly users: UserDirectory;
  readonly keys: KeyRing;
  readonly accessTokens: AccessTokens;
  readonly revokedSessions: RevokedSessions;
  readonly revoker: SessionRevoker;
  readonly cookieSessions: CookieSessions;
  readonly addressThrottle: AddressThrottle;
  /** Budgets for password-reset and verification mails. */
  readonly recoveryLimits: RecoveryLimits;
  readonly mail: Mailer;
  /** Derives refresh-token successors (see sessions/refresh.ts). */
  readonly refreshKey: Buffer;
  readonly apiKeys: ApiKeyVerifier;
  /** Per-key budgets: in process, or shared through Redis when REDIS_URL is set. */
  readonly rateLimiter: RateLimiter;
  readonly usage: UsageRecorder;
  /** Samples api_key.rate_limited audit events: one per key per minute. */
  readonly rateLimitAudit: RateLimitAudit;
  /** Upstream OpenID Connect providers (OIDC_PROVIDERS), discovered at start-up and again on use while down. */
  readonly providers: UpstreamProviders;
}

export async function createServices(config: Config, database: Database, logger: Logger): Promise<Services> {
  const keys = await loadKeyRing(database, ['EdDSA', 'RS256']);
  const invalidations = await Invalidations.start(database);
  const revokedSessions = await RevokedSessions.start(database, invalidations, config.accessTokenTtl);
  return {
    config,
    database,
    logger,
    invalidations,
    users: new UserDirectory(database, invalidations),
    keys,
    accessTokens: new AccessTokens(keys, { issuer: config.publicUrl, audience: config.publicUrl, ttlSeconds: config.accessTokenTtl }),
    revokedSessions,
    revoker: new SessionRevoker(database, invalidations),
    cookieSessions: new CookieSessions(database, revokedSessions),
    addressThrottle: new AddressThrottle(),
    recoveryLimits: new RecoveryLimits(),
    mail: await Mailer.create(config, database, logger),
    refreshKey: await loadServerSecret(database, 'refresh-successor'),
    apiKeys: new ApiKeyVerifier(database, invalidations),
    rateLimiter: await createRateLimiter(config),
    usage: new UsageRecorder(database, logger, config.usageFlushSeconds * 1000),
    rateLimitAudit: new RateLimitAudit(database),
    providers: await UpstreamProviders.discover(config.oidcProviders, logger),
  };
}

async function createRateLimiter(config: Config): Promise<RateLimiter> {
  if (config.redisUrl === null) return new MemoryRateLimiter();
  const limiter = new RedisRateLimiter(config.redisUrl);
  await limiter.connect();
  return limiter;
}
