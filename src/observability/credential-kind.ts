import { looksLikeApiKey } from '../apikeys/format.ts';
import { readSessionCookie } from '../sessions/cookie.ts';

export type CredentialKind = 'access_token' | 'api_key' | 'session_cookie' | 'none';

/** Which credential a request presents, by the contract's precedence (context.ts), without reading its value further. */
export function credentialKindOf(headers: Headers): CredentialKind {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const token = /^Bearer +(\S+)/i.exec(authorization)?.[1];
    return token !== undefined && looksLikeApiKey(token) ? 'api_key' : 'access_token';
  }
  if (headers.get('x-api-key') !== null) return 'api_key';
  return readSessionCookie(headers.get('cookie')) !== undefined ? 'session_cookie' : 'none';
}
