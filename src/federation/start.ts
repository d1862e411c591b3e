import { lt } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { addressGroup } from '../accounts/sign-in-budget.ts';
import type { Budget } from '../budgets.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { after } from '../lib/time.ts';
import { callbackUrl } from './callback-url.ts';
import { LOGIN_STATE_LIFETIME_MS } from './limits.ts';
import type { UpstreamProviders } from './providers.ts';
import { loginStates } from './tables.ts';

export interface UpstreamSignInInput {
  readonly provider: string;
  readonly redirectUri: string;
  /** Set when a signed-in user links the provider to their account rather than signing in. */
  readonly linkUserId?: string | null;
  /** The client's address, for the per-address budget. */
  readonly ip: string;
}

export interface UpstreamSignInStart {
  readonly authorizationUrl: string;
  readonly state: string;
}

/**
 * Starts a sign-in with an upstream provider (authorization code flow, OpenID Connect Core §3.1):
 * checks the redirect URI against ALLOWED_ORIGINS (or takes Latchkey's own /auth/callback/:provider), keeps a single-use state (only its hash), a nonce
 * and a PKCE S256 verifier (RFC 7636) for ten minutes, bound to the provider and the redirect URI,
 * and returns the provider's authorization URL. NotFoundError for an unknown provider; RateLimitedError
 * past STARTS_PER_ADDRESS starts of one client address.
 */
export async function startUpstreamSignIn(
  services: { database: Database; providers: UpstreamProviders; allowedOrigins: readonly string[]; publicUrl: string; starts: Budget },
  input: UpstreamSignInInput,
): Promise<UpstreamSignInStart> {
  services.providers.configOf(input.provider);
  const redirectUri = input.redirectUri === callbackUrl(services.publicUrl, input.provider)
    ? input.redirectUri
    : checkRedirectUri(input.redirectUri, services.allowedOrigins);
  await services.starts.take(addressGroup(input.ip));
  const provider = await services.providers.get(input.provider);

  const state = randomSecret();
  const nonce = randomSecret();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  await services.database.db.delete(loginStates).where(lt(loginStates.expiresAt, new Date()));
  await services.database.db.insert(loginStates).values({
    stateHash: hashSecret(state),
    provider: input.provider,
    redirectUri,
    nonce,
    codeVerifier,
    linkUserId: input.linkUserId ?? null,
    expiresAt: after(LOGIN_STATE_LIFETIME_MS),
  });

  const endpoint = provider.as.authorization_endpoint;
  if (endpoint === undefined) throw new Error(`provider ${input.provider} has no authorization_endpoint`);
  const url = new URL(endpoint);
  url.searchParams.set('client_id', provider.client.client_id);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid email profile');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { authorizationUrl: url.href, state };
}

/** The redirect URI as sent to the provider, when its origin is one of ALLOWED_ORIGINS; else ValidationError. */
function checkRedirectUri(raw: string, allowedOrigins: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('The redirect URI is not an absolute URL.', 'redirectUri');
  }
  if (!allowedOrigins.includes(url.origin) || url.hash !== '' || url.username !== '' || url.password !== '' || raw.length > 2000) {
    throw new ValidationError('The redirect URI must be on an allowed origin (ALLOWED_ORIGINS), without a fragment.', 'redirectUri');
  }
  return url.href;
}
