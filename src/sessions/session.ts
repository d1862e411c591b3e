import type { sessions } from './tables.ts';

type Row = typeof sessions.$inferSelect;

/** A session as the rest of the program sees it: never its secrets. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string | null;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  /** When the user signed in: for an OAuth grant, at the consent; else when the session started. */
  readonly authTime: Date;
  /** RFC 8176 authentication methods of the sign-in, e.g. ["pwd", "otp", "mfa"]. */
  readonly amr: readonly string[];
  /** The last sign-in or re-verification. */
  readonly verifiedAt: Date;
  readonly lastUsedAt: Date | null;
  /** The earlier of the idle and the absolute expiry. */
  readonly expiresAt: Date;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** For an OAuth grant bound to a DPoP key (RFC 9449 §5): its thumbprint; a refresh must prove that key. */
  readonly dpopJkt: string | null;
}

export function toSessionRecord(row: Row): SessionRecord {
  return {
    id: row.id,
    userId: row.userId,
    clientId: row.clientId,
    scopes: row.scopes,
    createdAt: row.createdAt,
    authTime: row.authTime ?? row.createdAt,
    amr: row.amr,
    verifiedAt: row.verifiedAt ?? row.authTime ?? row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.idleExpiresAt < row.expiresAt ? row.idleExpiresAt : row.expiresAt,
    userAgent: row.userAgent,
    ip: row.ip,
    dpopJkt: row.dpopJkt,
  };
}
