import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { OAuthError } from '../errors.ts';
import { hashSecret } from '../lib/secrets.ts';
import { oauthPushedRequests } from './tables.ts';

/** RFC 9126 §2.2: the request_uri's prefix. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** The authorization request's own parameters: when a request_uri is used, only the pushed ones count. */
const AUTHORIZATION_PARAMETERS = new Set([
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age',
  'acr_values', 'dpop_jkt',
]);

/** The authorization request's parameters, and the pushed request they came from (null when sent directly). */
export interface ResolvedRequest {
  readonly source: URLSearchParams;
  readonly pushedRequestId: string | null;
}

/**
 * At /oauth/authorize: a request with a request_uri (RFC 9126 §4) is the pushed one, for the same
 * client_id, unexpired and not yet used; its parameters replace any sent alongside (the page's own form
 * fields, such as the CSRF token, are kept). Without request_uri the request is as sent. A request_uri
 * that is not one of these is invalid_request (an error page: the redirect URI is not known yet).
 */
export async function resolvePushedRequest(database: Database, sent: URLSearchParams): Promise<ResolvedRequest> {
  const requestUri = sent.get('request_uri');
  if (requestUri === null) return { source: sent, pushedRequestId: null };
  const secret = requestUri.startsWith(REQUEST_URI_PREFIX) ? requestUri.slice(REQUEST_URI_PREFIX.length) : '';
  if (!/^[\w-]{20,100}$/.test(secret)) throw new OAuthError('invalid_request', 'The request_uri is not one of ours.');
  const [row] = await database.db.select({ id: oauthPushedRequests.id, clientId: oauthPushedRequests.clientId, parameters: oauthPushedRequests.parameters })
    .from(oauthPushedRequests)
    .where(and(eq(oauthPushedRequests.hash, hashSecret(secret)), isNull(oauthPushedRequests.usedAt), gt(oauthPushedRequests.expiresAt, sql`now()`)));
  if (row === undefined || row.clientId !== sent.get('client_id')) {
    throw new OAuthError('invalid_request', 'The request_uri is unknown, expired, already used, or of another client.');
  }
  const source = new URLSearchParams([...sent].filter(([name]) => !AUTHORIZATION_PARAMETERS.has(name)));
  for (const [name, value] of new URLSearchParams(row.parameters)) source.append(name, value);
  return { source, pushedRequestId: row.id };
}

/** Spends a pushed request when its code is issued: true for the one caller that spent it (RFC 9126 §4: one-time use). */
export async function spendPushedRequest(database: Database, id: string): Promise<boolean> {
  const rows = await database.db.update(oauthPushedRequests).set({ usedAt: sql`now()` })
    .where(and(eq(oauthPushedRequests.id, id), isNull(oauthPushedRequests.usedAt))).returning({ id: oauthPushedRequests.id });
  return rows.length > 0;
}
