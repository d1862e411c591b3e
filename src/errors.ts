/**
 * The expected failures of every capability, as classes with a stable `code` (in the manner of jose's
 * util/errors.ts). Nothing here knows GraphQL or HTTP: use cases throw these, and the edges render them
 * (src/graphql/errors.ts registers them as the schema's Error types; the pages and routes pick a status).
 */

/**
 * Every code an expected failure can carry, and what it means: the schema's ErrorCode enum is made
 * from this object. A new failure adds its code here first; its AppError subclass can then declare it,
 * and no other (the type system refuses a code missing here, test/graphql/error-codes.test.ts one no
 * class declares).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'The input breaks a rule (ValidationError); `field` names the input field to blame.',
  INVALID_CREDENTIALS: 'Wrong email or password (InvalidCredentialsError).',
  EMAIL_TAKEN: 'The email address already belongs to an account (EmailTakenError).',
  INVALID_TOKEN: 'A refresh token, link token, code or state that is unknown, expired, revoked or spent (InvalidTokenError).',
  RATE_LIMITED: 'Too many attempts; try again after `retryAfterSeconds` (RateLimitedError).',
  EMAIL_NOT_VERIFIED: 'The account signs in only once its address is verified (EmailNotVerifiedError).',
  NOT_FOUND: 'The thing asked for does not exist, or the caller may not see it (NotFoundError).',
  OAUTH_ERROR: 'An OAuth 2.0 failure; `error` holds its RFC 6749 error code (OAuthError).',
  SECOND_FACTOR_REQUIRED: 'The password was right and the account has a second factor: finish with verifySecondFactor (SecondFactorRequired).',
  INVALID_SECOND_FACTOR: 'A second-factor code that is wrong, expired or already used (InvalidSecondFactorError).',
  REAUTHENTICATION_REQUIRED: 'A sensitive operation needs a sign-in or re-verification within the last 10 minutes: call reauthenticate (ReauthenticationRequiredError).',
  TOTP_ALREADY_ENABLED: 'The account already has a confirmed authenticator app (TotpAlreadyEnabledError).',
  INVALID_PASSKEY: 'A passkey answer that was refused: unknown passkey, wrong origin, expired or spent challenge, bad signature, or a signature counter that went back (InvalidPasskeyError).',
  ACCOUNT_DISABLED: 'The password was right, but an admin disabled the account (AccountDisabledError).',
  SELF_ADMINISTRATION: 'An admin may not disable, delete or take the role admin from their own account (SelfAdministrationError).',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An expected failure: returned to the client as a member of the field's result union, with a
 * stable machine-readable `code`. Anything that is not an AppError is unexpected and is masked.
 */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
}

export class ValidationError extends AppError {
  readonly code = 'VALIDATION_FAILED';
  constructor(message: string, readonly field: string | null = null) {
    super(message);
  }
}

export class InvalidCredentialsError extends AppError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Wrong email or password.');
  }
}

export class EmailTakenError extends AppError {
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('That email address already belongs to an account.');
  }
}

export class InvalidTokenError extends AppError {
  readonly code = 'INVALID_TOKEN';
  constructor(message = 'The token is unknown, expired, revoked or already used.') {
    super(message);
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts; try again in ${retryAfterSeconds} seconds.`);
  }
}

export class EmailNotVerifiedError extends AppError {
  readonly code = 'EMAIL_NOT_VERIFIED';
  constructor() {
    super('Confirm your email address first, with the link mailed to it.');
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  constructor(what = 'The thing asked for') {
    super(`${what} does not exist, or you may not see it.`);
  }
}

/** How an OAuthError is answered, beyond its code and description. */
export interface OAuthErrorAnswer {
  /** The HTTP status at an endpoint: 400 unless said (RFC 6749 §5.2; 401 and 403 at a resource endpoint, RFC 6750 §3.1). */
  readonly status?: number;
  /**
   * The WWW-Authenticate challenge: `Basic` when the client tried HTTP Basic (RFC 6749 §5.2), `Bearer` at a
   * resource endpoint, with the error and its description (RFC 6750 §3), `DPoP` there for a DPoP-bound
   * token or a DPoP proof (RFC 9449 §7.1).
   */
  readonly challenge?: 'Basic' | 'Bearer' | 'DPoP';
  /** The methods allowed, for a 405. */
  readonly allow?: string;
  /** Where the browser goes to tell the client (RFC 6749 §4.1.2.1): only once the redirect URI is trusted. */
  readonly redirectTo?: string | null;
}

/**
 * The one OAuth 2.0 failure, with its RFC 6749 error code; the message is its error_description. Use
 * cases throw it; the edge renders it once: JSON at the endpoints (src/oauth/routes.ts), a redirect to
 * the client or an error page in the browser.
 */
export class OAuthError extends AppError {
  readonly code = 'OAUTH_ERROR';
  readonly status: number;
  readonly challenge: 'Basic' | 'Bearer' | 'DPoP' | null;
  readonly allow: string | null;
  readonly redirectTo: string | null;
  constructor(readonly error: string, message: string, answer: OAuthErrorAnswer = {}) {
    super(message);
    this.status = answer.status ?? 400;
    this.challenge = answer.challenge ?? null;
    this.allow = answer.allow ?? null;
    this.redirectTo = answer.redirectTo ?? null;
  }
}

/** The password was right and the account has a second factor: finish with verifySecondFactor. */
export class SecondFactorRequired extends AppError {
  readonly code = 'SECOND_FACTOR_REQUIRED';
  constructor(readonly challenge: string, readonly methods: readonly SecondFactorMethod[], readonly expiresAt: Date) {
    super('Enter a code from your authenticator app, or a recovery code.');
  }
}

export type SecondFactorMethod = 'TOTP' | 'RECOVERY_CODE' | 'PASSKEY';

export class InvalidSecondFactorError extends AppError {
  readonly code = 'INVALID_SECOND_FACTOR';
  constructor() {
    super('That code is wrong, expired or already used.');
  }
}

/** The operation needs a sign-in or re-verification within the last 10 minutes. */
export class ReauthenticationRequiredError extends AppError {
  readonly code = 'REAUTHENTICATION_REQUIRED';
  constructor() {
    super('Confirm it is you first: call reauthenticate with your password or a code.');
  }
}

export class TotpAlreadyEnabledError extends AppError {
  readonly code = 'TOTP_ALREADY_ENABLED';
  constructor() {
    super('An authenticator app is already enrolled; disable it before enrolling another.');
  }
}

/**
 * A passkey ceremony's answer was refused. Deliberately vague (which check failed is in the audit log):
 * unknown passkey, another origin, an expired or spent challenge, a bad signature, no user
 * verification where it is required, or a signature counter that went back.
 */
export class InvalidPasskeyError extends AppError {
  readonly code = 'INVALID_PASSKEY';
  constructor() {
    super('That passkey could not be used: ask for new options and try again.');
  }
}

export class AccountDisabledError extends AppError {
  readonly code = 'ACCOUNT_DISABLED';
  constructor() {
    super('An admin disabled this account.');
  }
}

export class SelfAdministrationError extends AppError {
  readonly code = 'SELF_ADMINISTRATION';
  constructor() {
    super('An admin may not disable, delete or take the role admin from their own account; ask another admin.');
  }
}
