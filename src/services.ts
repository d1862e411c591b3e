import type { Logger } from 'pino';
import { UserDirectory } from './accounts/directory.ts';
import { AddressThrottle } from './accounts/throttle.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { Invalidations } from './db/notify.ts';
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
  /** Derives refresh-token successors (see sessions/refresh.ts). */
  readonly refreshKey: Buffer;
}

export async function createServices(config: Config, database: Database, logger: Logger): Promise<Services> {
  const keys = await loadKeyRing(database);
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
    refreshKey: await loadServerSecret(database, 'refresh-successor'),
  };
}
