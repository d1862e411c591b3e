import type { UserDirectory } from '../accounts/directory.ts';
import type { MailBudgets } from '../accounts/mail-budgets.ts';
import { refuseUnverified } from '../accounts/request-email-verification.ts';
import { recordRequestEvent } from '../audit/record.ts';
import type { Config, OidcProviderConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { RequestMeta } from '../audit/record.ts';
import { InvalidTokenError, OAuthError } from '../errors.ts';
import type { Mailer } from '../mail/send.ts';
import { consumeLoginState, exchangeCode, type AuthorizationAnswer, type UpstreamClaims } from './callback/complete.ts';
import { refusalError, resolveAccount } from './link.ts';
import type { UpstreamProviders } from './providers.ts';

/** What exchanging an upstream answer uses. */
interface UpstreamExchangeDeps {
  readonly database: Database;
  readonly providers: UpstreamProviders;
}

/** What completing an upstream sign-in uses: the exchange, the accounts, and the mail to an unverified address. */
interface UpstreamSignInDeps extends UpstreamExchangeDeps {
  readonly users: UserDirectory;
  readonly config: Config;
  readonly mail: Mailer;
  readonly mailBudgets: MailBudgets;
}

/** What the provider sent back to the redirect URI, and which provider it was for. */
interface UpstreamAnswer extends AuthorizationAnswer {
  readonly provider: string;
}

/** Spends the state, then exchanges the code: a bad state costs the provider nothing. */
export async function exchangeUpstream(
  services: UpstreamExchangeDeps, meta: RequestMeta, answer: UpstreamAnswer, linkUserId: string | null,
): Promise<{ claims: UpstreamClaims; config: OidcProviderConfig }> {
  const { providers, database } = services;
  let config;
  try {
    config = providers.configOf(answer.provider);
  } catch {
    throw new InvalidTokenError('The sign-in state is unknown, expired, already used or of another provider.');
  }
  const stored = await consumeLoginState(database, { provider: answer.provider, state: answer.state, linkUserId });
  const provider = await providers.get(answer.provider);
  try {
    return { claims: await exchangeCode(provider, stored, answer), config };
  } catch (error) {
    if (error instanceof OAuthError) await recordRequestEvent(services.database, meta, 'social.refused', linkUserId, `provider: ${answer.provider}, reason: ${error.error}`);
    throw error;
  }
}

/**
 * Completes a sign-in through an upstream provider and returns whose account it signs in to: the same
 * provider account always the same Latchkey account; a new one makes an account, or is linked to the
 * account of its email (see resolveAccount). Throws the AppError the caller shows: InvalidTokenError,
 * OAuthError, EmailTakenError, EmailNotVerifiedError.
 */
export async function completeUpstreamSignIn(services: UpstreamSignInDeps, meta: RequestMeta, answer: UpstreamAnswer): Promise<string> {
  const { claims, config } = await exchangeUpstream(services, meta, answer, null);
  const resolution = await resolveAccount(services.database, config, claims);
  if (resolution.outcome === 'refused') {
    await recordRequestEvent(services.database, meta, 'social.refused', null, `provider: ${answer.provider}, reason: ${resolution.reason}, subject: ${claims.subject}`);
    throw refusalError(resolution.reason);
  }
  const { userId } = resolution;
  if (resolution.outcome === 'linked') await recordRequestEvent(services.database, meta, 'social.linked', userId, `provider: ${answer.provider} (by verified email)`);
  const [user] = await services.users.load([userId]);
  if (user === undefined) throw new Error(`user ${userId} of a linked identity is missing`);
  if (services.config.requireVerifiedEmail && !user.emailVerified) {
    await recordRequestEvent(services.database, meta, 'social.refused', userId, `provider: ${answer.provider}, reason: account_email_not_verified`);
    throw await refuseUnverified(services, user);
  }
  const created = resolution.outcome === 'created' ? ' (new account)' : '';
  await recordRequestEvent(services.database, meta, 'social.signed_in', userId, `provider: ${answer.provider}${created}`);
  return userId;
}
