import type { Database } from './client.ts';

/** The one NOTIFY channel on which instances tell each other what to forget: `kind:id@publishedAtMs` messages. */
export const INVALIDATION_CHANNEL = 'latchkey_invalidations';

const INVALIDATION_KINDS = ['session', 'user', 'apikey', 'keys'] as const;
type InvalidationKind = (typeof INVALIDATION_KINDS)[number];

/** Told, for each message received over NOTIFY that carries its publish time, how long it took to arrive. */
type OnReceived = (kind: InvalidationKind, lagSeconds: number) => void;

/**
 * Cross-instance invalidation over PostgreSQL LISTEN/NOTIFY (on PGlite, within the one process).
 * `publish` applies the message locally at once, then tells every other instance (and itself: that copy
 * is applied again, harmlessly, and measures the lag).
 */
export class Invalidations {
  readonly #handlers = new Map<string, ((id: string) => void)[]>();

  private constructor(private readonly database: Database, private readonly onReceived: OnReceived) {}

  static async start(database: Database, onReceived: OnReceived = () => {}): Promise<Invalidations> {
    const invalidations = new Invalidations(database, onReceived);
    await database.listen(INVALIDATION_CHANNEL, (payload) => invalidations.#receive(payload));
    return invalidations;
  }

  on(kind: InvalidationKind, handler: (id: string) => void): void {
    this.#handlers.set(kind, [...(this.#handlers.get(kind) ?? []), handler]);
  }

  async publish(kind: InvalidationKind, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#dispatch(kind, id);
    const publishedAt = Date.now();
    await Promise.all(ids.map((id) => this.database.notify(INVALIDATION_CHANNEL, `${kind}:${id}@${publishedAt}`)));
  }

  /** `kind:id@publishedAtMs`, or `kind:id` as sent by versions before the publish time was added. */
  #receive(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon === -1) return;
    const kind = payload.slice(0, colon);
    let id = payload.slice(colon + 1);
    const stamp = /@(\d{1,15})$/.exec(id);
    if (stamp !== null) id = id.slice(0, stamp.index);
    this.#dispatch(kind, id);
    if (stamp !== null && isKind(kind)) {
      // Clocks of two hosts may disagree by a little: a message never arrives before it was sent.
      this.onReceived(kind, Math.max(0, Date.now() - Number(stamp[1])) / 1000);
    }
  }

  #dispatch(kind: string, id: string): void {
    for (const handler of this.#handlers.get(kind) ?? []) handler(id);
  }
}

function isKind(kind: string): kind is InvalidationKind {
  return (INVALIDATION_KINDS as readonly string[]).includes(kind);
}
