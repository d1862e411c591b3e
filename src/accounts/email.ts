/** Trims an email address and checks its shape; returns the address or null. Case is kept, compared without. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim();
  if (email.length > 254 || /[\s\p{Cc}]/u.test(email)) return null;
  return /^[^@]{1,64}@[^@.]+(\.[^@.]+)+$/.test(email) ? email : null;
}
