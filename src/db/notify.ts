import type { Database } from './client.ts';

/** The one NOTIFY channel on which instances tell each other what to forget: `kind:id` messages. */
export const INVALIDATION_CHANNEL = 'latchkey_invalidations';

export type InvalidationKind = 'session' | 'user' | 'apikey' | 'keys';

/**
 * Cross-instance invalidation over PostgreSQL LISTEN/NOTIFY (on PGlite, within the one process).
 * `publish` applies the message locally at once, then tells every other instance.
 */
export class Invalidations {
  readonly #handlers = new Map<string, ((id: string) => void)[]>();

  private constructor(private readonly database: Database) {}

  static async start(database: Database): Promise<Invalidations> {
    const invalidations = new Invalidations(database);
    await database.listen(INVALIDATION_CHANNEL, (payload) => invalidations.#dispatch(payload));
    return invalidations;
  }

  on(kind: InvalidationKind, handler: (id: string) => void): void {
    this.#handlers.set(kind, [...(this.#handlers.get(kind) ?? []), handler]);
  }

  async publish(kind: InvalidationKind, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#dispatch(`${kind}:${id}`);
    await Promise.all(ids.map((id) => this.database.notify(INVALIDATION_CHANNEL, `${kind}:${id}`)));
  }

  #dispatch(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon === -1) return;
    for (const handler of this.#handlers.get(payload.slice(0, colon)) ?? []) handler(payload.slice(colon + 1));
  }
}
