import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { UserDirectory } from './accounts/directory.ts';
import { MailBudgets } from './accounts/mail-budgets.ts';
import { SignInBudget } from './accounts/sign-in-budget.ts';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './apikeys/rate-limit.ts';
import { RateLimitAudit } from './apikeys/rate-limit-audit.ts';
import { UsageRecorder } from './apikeys/usage.ts';
import { ApiKeyVerifier } from './apikeys/verify.ts';
import { memoryBudgets, redisBudgets, type Budget } from './budgets.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { Invalidations } from './db/notify.ts';
import { UpstreamProviders } from './federation/providers.ts';
import { Janitor } from './janitor.ts';
import { Lifecycle } from './runtime/lifecycle.ts';
import { Metrics } from './observability/metrics.ts';
import { inClientSpan } from './observability/spans.ts';
import { STARTS_PER_ADDRESS, STARTS_WINDOW_SECONDS } from './federation/limits.ts';
import { PASSKEY_STARTS_PER_ADDRESS, PASSKEY_STARTS_WINDOW_SECONDS } from './factors/passkey-challenge.ts';
import { Mailer } from './mail/send.ts';
import { DpopNonces } from './oauth/dpop-nonce.ts';
import type { DpopDeps } from './oauth/dpop-proof.ts';
import { CookieSessions } from './sessions/cookie.ts';
import { RevokedSessions } from './sessions/revoked-set.ts';
import { SessionRevoker } from './sessions/revoke.ts';
import { AccessTokens } from './tokens/access-token.ts';
import { KeyRing } from './tokens/keys.ts';
import { loadServerSecret } from './tokens/server-secret.ts';

/** What one app instance holds for its whole life: the database and each capability's long-lived state. */
export interface Services {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  /** The connection to REDIS_URL, when set: what every instance shares besides the database. */
  readonly redis: Redis | null;
  readonly invalidations: Invalidations;
  readonly users: UserDirectory;
  readonly keys: KeyRing;
  readonly accessTokens: AccessTokens;
  readonly revokedSessions: RevokedSessions;
  readonly revoker: SessionRevoker;
  readonly cookieSessions: CookieSessions;
  readonly signInBudget: SignInBudget;
  /** Budgets for password-reset and verification mails. */
  readonly mailBudgets: MailBudgets;
  readonly mail: Mailer;
  /** Derives refresh-token successors (see sessions/refresh.ts). */
  readonly refreshKey: Buffer;
  readonly apiKeys: ApiKeyVerifier;
  /** Per-key budgets: in process, or shared through Redis when REDIS_URL is set. */
  readonly rateLimiter: RateLimiter;
  readonly usage: UsageRecorder;
  /** Samples api_key.rate_limited audit events: one per key per minute. */
  readonly rateLimitAudit: RateLimitAudit;
  /** Sign-ins through upstream providers started per client address. */
  readonly upstreamStarts: Budget;
  /** Passwordless passkey sign-ins started per client address (anyone may start one). */
  readonly passkeyStarts: Budget;
  /** Wrong device user codes per user (RFC 8628 §5.1: user codes are short, so guesses are counted). */
  readonly deviceCodeAttempts: Budget;
  /** Deletes expired secrets, ended sessions and old mail, hourly. */
  readonly janitor: Janitor;
  /** Upstream OpenID Connect providers (OIDC_PROVIDERS), discovered at start-up and again on use while down. */
  readonly providers: UpstreamProviders;
  /** Serving or draining: what /readyz tells load balancers. */
  readonly lifecycle: Lifecycle;
  /** Prometheus metrics of this instance (served at /metrics when METRICS_TOKEN is set). */
  readonly metrics: Metrics;
  /** What checking a DPoP proof uses (RFC 9449): the replay cache's database, the nonces, DPOP_REQUIRE_NONCE. */
  readonly dpop: DpopDeps;
}

/** RFC 8628 §5.1: 10 wrong user codes per user per 15 minutes, against 20^8 possible codes. */
const DEVICE_CODE_MISSES = 10;
const DEVICE_CODE_MISS_WINDOW_SECONDS = 900;

export async function createServices(config: Config, database: Database, logger: Logger): Promise<Services> {
  const metrics = new Metrics(() => database.poolUse());
  const invalidations = await Invalidations.start(database, (kind, lagSeconds) => metrics.notifyLag.observe({ kind }, lagSeconds));
  const keys = await KeyRing.load(database, ['EdDSA', 'RS256'], invalidations);
  const revokedSessions = await RevokedSessions.start(database, invalidations, config.accessTokenTtl);
  const redis = await connectRedis(config, logger);
  const budgets = redis === null ? memoryBudgets : redisBudgets(redis, await deploymentId(database));
  return {
    config,
    database,
    logger,
    redis,
    invalidations,
    users: new UserDirectory(database, invalidations),
    keys,
    accessTokens: new AccessTokens(keys, { issuer: config.publicUrl, audience: config.publicUrl, ttlSeconds: config.accessTokenTtl },
      (hit) => metrics.cacheLookups.inc({ cache: 'access_token', result: hit ? 'hit' : 'miss' })),
    revokedSessions,
    revoker: new SessionRevoker(database, invalidations),
    cookieSessions: new CookieSessions(database, revokedSessions),
    signInBudget: new SignInBudget(budgets),
    mailBudgets: new MailBudgets(budgets),
    mail: await Mailer.create(config, database, logger),
    refreshKey: await loadServerSecret(database, 'refresh-successor'),
    apiKeys: new ApiKeyVerifier(database, invalidations, (hit) => metrics.cacheLookups.inc({ cache: 'api_key', result: hit ? 'hit' : 'miss' })),
    rateLimiter: redis === null ? new MemoryRateLimiter() : new RedisRateLimiter(redis),
    usage: new UsageRecorder(database, logger, config.usageFlushSeconds * 1000),
    rateLimitAudit: new RateLimitAudit(database),
    upstreamStarts: budgets('social-starts-per-address', STARTS_PER_ADDRESS, STARTS_WINDOW_SECONDS),
    passkeyStarts: budgets('passkey-starts-per-address', PASSKEY_STARTS_PER_ADDRESS, PASSKEY_STARTS_WINDOW_SECONDS),
    deviceCodeAttempts: budgets('device-user-code-misses-per-user', DEVICE_CODE_MISSES, DEVICE_CODE_MISS_WINDOW_SECONDS),
    janitor: new Janitor(database, logger),
    providers: await UpstreamProviders.discover(config.oidcProviders, logger),
    lifecycle: new Lifecycle(),
    metrics,
    dpop: { database, nonces: new DpopNonces(await loadServerSecret(database, 'dpop-nonce')), requireNonce: config.dpopRequireNonce },
  };
}

/** REDIS_URL is set but no Redis answers there at start-up: one line for the operator, no stack trace. */
export class RedisUnavailable extends Error {}

/**
 * Connects to REDIS_URL once, within 2 s, or throws RedisUnavailable naming the variable and the host (never
 * the password). Once started, ioredis reconnects by itself; while it cannot, API-key limits answer 503 and
 * budgets count in memory.
 */
async function connectRedis(config: Config, logger: Logger): Promise<Redis | null> {
  if (config.redisUrl === null) return null;
  let started = false;
  let lastError: Error | undefined;
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false, lazyConnect: true,
    retryStrategy: (times) => (started ? Math.min(times * 200, 2000) : null),
  });
  const sendCommand = redis.sendCommand.bind(redis);
  // Each command reports a span when tracing is on (its name only: arguments hold keys and budgets).
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
    void inClientSpan(`redis ${command.name}`, { 'db.system.name': 'redis', 'db.operation.name': command.name }, () => command.promise).catch(() => {});
    return sendCommand(command, stream);
  }) as Redis['sendCommand'];
  redis.on('error', (error: Error) => {
    lastError = error;
    if (started) logger.warn({ err: error.message }, 'redis unavailable');
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const cause = lastError ?? error;
    const host = new URL(config.redisUrl).host;
    throw new RedisUnavailable(`REDIS_URL: cannot reach Redis at ${host}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
  }
  started = true;
  return redis;
}

/** Names this deployment (every instance on one database) in shared stores; it is not a secret. */
async function deploymentId(database: Database): Promise<string> {
  return (await loadServerSecret(database, 'deployment-id')).subarray(0, 9).toString('base64url');
}
