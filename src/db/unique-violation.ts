/**
 * True when a statement failed on a unique index (SQLSTATE 23505, unique_violation), whichever driver
 * threw it: postgres.js and PGlite both carry the code, and Drizzle may wrap their error as `cause`.
 */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
