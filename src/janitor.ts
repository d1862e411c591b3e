import type { Logger } from 'pino';
import { purgeEmailTokens } from './accounts/purge.ts';
import type { Database } from './db/client.ts';
import { purgeSecondFactorChallenges } from './factors/purge.ts';
import { purgeLoginStates } from './federation/purge.ts';
import { HOUR, MINUTE } from './lib/time.ts';
import { purgeOutbox } from './mail/purge.ts';
import { purgeDpopProofs } from './oauth/dpop-replay.ts';
import { purgeOAuthCodes } from './oauth/purge.ts';
import { purgeEndedSessions } from './sessions/purge.ts';

/** What each capability deletes once it is no use to anyone: expired secrets, ended sessions, old mail. */
const PURGES = {
  sessions: purgeEndedSessions,
  emailTokens: purgeEmailTokens,
  oauthCodes: purgeOAuthCodes,
  loginStates: purgeLoginStates,
  outbox: purgeOutbox,
  secondFactorChallenges: purgeSecondFactorChallenges,
  dpopProofs: purgeDpopProofs,
} satisfies Record<string, (database: Database, now?: number) => Promise<number>>;

type PurgeCounts = Record<keyof typeof PURGES, number>;

const FIRST_RUN_MS = MINUTE;
const INTERVAL_MS = HOUR;

/**
 * Deletes expired rows every hour (the first time a minute after start), on every instance: the
 * deletes are idempotent, so instances need no coordination. A failed run is logged and tried again
 * at the next interval.
 */
export class Janitor {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(private readonly database: Database, private readonly logger: Logger) {}

  start(): void {
    const schedule = (delay: number) => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#running = this.purge()
          .catch((error: unknown) => this.logger.warn({ err: error }, 'purge of expired rows failed'))
          .finally(() => schedule(INTERVAL_MS));
      }, delay);
      this.#timer.unref();
    };
    schedule(FIRST_RUN_MS);
  }

  /** Runs every purge once; returns how many rows each deleted. */
  async purge(now = Date.now()): Promise<PurgeCounts> {
    const counts = {} as PurgeCounts;
    for (const [name, purge] of Object.entries(PURGES) as [keyof typeof PURGES, (typeof PURGES)[keyof typeof PURGES]][]) {
      counts[name] = await purge(this.database, now);
    }
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    if (total > 0) this.logger.info({ deleted: counts }, 'purged expired rows');
    return counts;
  }

  /** Stops scheduling, and waits for a run in progress (so the database is not closed under it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
