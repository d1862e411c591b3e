import { GRANT_TYPES, type GrantType } from './clients.ts';

const KNOWN: readonly string[] = Object.values(GRANT_TYPES);

/** Whether a `grant_type` is one Latchkey knows (the others are unsupported_grant_type, RFC 6749 §5.2). */
export function isGrantType(value: string | null): value is GrantType {
  return value !== null && KNOWN.includes(value);
}
