import type { Database } from '../db/client.ts';
import type { AuthorizationParams } from './authorize.ts';
import { authorizationParamsOf } from './pushed-requests.ts';
import { resolvePushedRequest } from './pushed-request-store.ts';

/** Binds the sign-in form to the browser before there is a session (login CSRF). */
export const CSRF_COOKIE = '__Host-latchkey-oauth-csrf';
const PARAMS = [
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age',
  'acr_values', 'request_uri', 'dpop_jkt',
] as const;

/** One request to the authorization page, as the edge received it. */
export interface PageRequest {
  readonly request: Request;
  readonly url: URL;
  readonly ip: string;
  /** A server secret for the CSRF tokens (HMAC of what each form is bound to). */
  readonly csrfKey: Buffer;
}

/** The page's parameters (the query of a GET, the form of a POST), read once. */
interface PageParameters {
  /** One parameter's value, null when absent. */
  param(name: string): string | null;
  /** The authorization request's parameters, for checkAuthorizationRequest (authorize.ts). */
  readonly authorization: AuthorizationParams;
  /** The authorization request's parameters as sent, carried through every form of the page. */
  readonly kept: ReadonlyMap<string, string>;
}

/**
 * Reads the parameters of a GET or POST to /oauth/authorize; a repeated `state` is dropped (authorize.ts
 * refuses the request). With a request_uri (RFC 9126 §4) the pushed parameters are the request; a bad
 * request_uri is an OAuthError with no redirect, for an error page.
 */
export async function readPageParameters(page: PageRequest, database: Database): Promise<PageParameters> {
  const resolved = await resolvePushedRequest(database, page.request.method === 'POST' ? new URLSearchParams(await page.request.text()) : page.url.searchParams);
  const source = resolved.source;
  const param = (name: string) => source.get(name);
  return {
    param,
    authorization: authorizationParamsOf(source, resolved.pushedRequestId),
    kept: new Map(PARAMS.flatMap((name) => { const v = param(name); return v === null ? [] : [[name, v] as const]; })),
  };
}
