/** A cookie's value from a Cookie header (RFC 6265 §5.4), if the header holds it. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1); null when the header is absent or not of that form. */
export function bearerToken(header: string | null): string | null {
  if (header === null) return null;
  return /^Bearer +([\x21-\x7e]+) *$/i.exec(header)?.[1] ?? null;
}

/**
 * The scheme and token of an `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>`
 * (RFC 9449 §7.1) header; null when the header is absent or of neither form.
 */
export function authorizationToken(header: string | null): { readonly scheme: 'Bearer' | 'DPoP'; readonly token: string } | null {
  if (header === null) return null;
  const match = /^(Bearer|DPoP) +([\x21-\x7e]+) *$/i.exec(header);
  if (match === null) return null;
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2]! };
}

/** 303 See Other: after a POST the browser follows with a GET (RFC 9700 §4.11). */
export function seeOther(location: string, headers: Readonly<Record<string, string>>, cookies: readonly string[] = []): Response {
  const all = new Headers({ ...headers, location });
  for (const cookie of cookies) all.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers: all });
}
