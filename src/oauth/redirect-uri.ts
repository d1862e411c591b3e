import { isLoopbackHost } from '../lib/loopback.ts';

/**
 * Why a redirect URI cannot be registered, or null when it can. Redirect URIs are matched by exact string
 * (RFC 9700 §4.1), so they must be absolute https URLs (http only on loopback, RFC 8252 §7.3), without a
 * fragment (RFC 6749 §3.1.2), without wildcards or credentials, and never `javascript:`, `data:` and the like.
 */
export function redirectUriProblem(value: string): string | null {
  if (value.length > 2000) return 'is too long';
  if (/[\s*]/.test(value)) return 'may not hold spaces or wildcards';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must use https (http only on loopback: localhost, 127.0.0.0/8 or [::1])';
  }
  if (value.includes('#')) return 'may not hold a fragment';
  if (url.username !== '' || url.password !== '') return 'may not hold credentials';
  return null;
}

/** The redirect URI with the authorization response's parameters added to its query (RFC 6749 §4.1.2, RFC 9207). */
export function withParameters(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) url.searchParams.append(name, value);
  }
  return url.href;
}
