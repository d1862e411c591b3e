import { builder } from './builder.ts';

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

/** An OAuth 2.0 failure with its RFC 6749 error code; `redirectTo` only when the redirect URI is trusted. */
export class OAuthError extends AppError {
  readonly code = 'OAUTH_ERROR';
  constructor(readonly error: string, message: string, readonly redirectTo: string | null = null) {
    super(message);
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

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'What went wrong, for programs: the `code` of every Error. Stable across releases; new codes may be added.',
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }])) as {
    [Code in ErrorCode]: { description: string };
  },
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description:
    'Every expected failure of a mutation comes back as data: a member of the mutation\'s result union that implements Error. `code` is stable and machine-readable; `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    code: t.expose('code', { type: ErrorCodeEnum, description: 'What went wrong, for programs: stable across releases.' }),
  }),
});

const errorFields = { interfaces: [ErrorInterface] };

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Input that breaks a rule; `field` names the input field when one is to blame.',
  ...errorFields,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The input field to blame, when there is one.' }),
  }),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'Wrong email or password. Says nothing about which of the two was wrong.',
  ...errorFields,
});

builder.objectType(EmailTakenError, {
  name: 'EmailTakenError',
  description: 'The email address already belongs to an account.',
  ...errorFields,
});

builder.objectType(InvalidTokenError, {
  name: 'InvalidTokenError',
  description: 'A refresh token, code or state that is unknown, expired, revoked or already used.',
  ...errorFields,
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts; try again after `retryAfterSeconds`.',
  ...errorFields,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Seconds to wait before the next attempt.' }),
  }),
});

builder.objectType(EmailNotVerifiedError, {
  name: 'EmailNotVerifiedError',
  description:
    'The server signs an account in only once its email address is verified (REQUIRE_VERIFIED_EMAIL), and this one\'s is not yet. login answers it after the password was found right; signUp answers it after making the account. A verification link is mailed to the address with this answer (at most a few an hour).',
  ...errorFields,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The thing asked for does not exist, or the caller may not see it.',
  ...errorFields,
});

builder.objectType(OAuthError, {
  name: 'OAuthError',
  description: 'An OAuth 2.0 failure; `error` is the RFC 6749 error code, e.g. invalid_grant.',
  ...errorFields,
  fields: (t) => ({
    error: t.exposeString('error', { description: 'The RFC 6749 error code: invalid_request, invalid_grant, access_denied...' }),
    redirectTo: t.exposeString('redirectTo', {
      nullable: true,
      description: 'Where the user agent goes next to tell the client, when the redirect URI is trusted.',
    }),
  }),
});

builder.objectType(AccountDisabledError, {
  name: 'AccountDisabledError',
  description: 'The credentials were right, but an admin disabled the account (disableUser): it cannot sign in until enableUser.',
  ...errorFields,
});

builder.objectType(SelfAdministrationError, {
  name: 'SelfAdministrationError',
  description: 'An admin may not disable, delete or take the role admin from their own account, so no deployment locks its last admin out by mistake.',
  ...errorFields,
});
