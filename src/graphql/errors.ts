import { builder } from './builder.ts';
import {
  AccountDisabledError, AppError, EmailNotVerifiedError, EmailTakenError, ERROR_CODES, InvalidCredentialsError, InvalidPasskeyError, InvalidSecondFactorError,
  InvalidTokenError, NotFoundError, OAuthError, RateLimitedError, ReauthenticationRequiredError, SecondFactorRequired, SelfAdministrationError,
  TotpAlreadyEnabledError, ValidationError, type ErrorCode,
} from '../errors.ts';

/** The schema's side of src/errors.ts: the ErrorCode enum, the Error interface and one object type per error class. */

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

export const SecondFactorMethodEnum = builder.enumType('SecondFactorMethod', {
  description: 'A way to pass the second step of a sign-in.',
  values: {
    TOTP: { description: 'A 6-digit code from an authenticator app (RFC 6238).' },
    RECOVERY_CODE: { description: 'One of the single-use recovery codes shown at enrolment.' },
    PASSKEY: { description: 'A passkey (WebAuthn): answer SecondFactorRequired.passkeyOptions with navigator.credentials.get().' },
  } as const,
});

builder.objectType(SecondFactorRequired, {
  name: 'SecondFactorRequired',
  description:
    'The password was right and the account has a second factor: no session yet. Pass `challenge` and a code to verifySecondFactor within 5 minutes.',
  ...errorFields,
  fields: (t) => ({
    challenge: t.exposeString('challenge', { description: 'Opaque, single use, valid for 5 minutes; bound to this account and sign-in.' }),
    methods: t.field({ type: [SecondFactorMethodEnum], description: 'The second factors the account can use.', resolve: (e) => [...e.methods] }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the challenge expires.' }),
  }),
});

builder.objectType(InvalidSecondFactorError, {
  name: 'InvalidSecondFactorError',
  description: 'The code is wrong, expired or already used. Wrong codes count toward the account\'s sign-in throttle.',
  ...errorFields,
});

builder.objectType(ReauthenticationRequiredError, {
  name: 'ReauthenticationRequiredError',
  description:
    'A sensitive operation needs a sign-in or re-verification within the last 10 minutes: call reauthenticate, then try again. API keys cannot re-verify and always get this answer.',
  ...errorFields,
});

builder.objectType(TotpAlreadyEnabledError, {
  name: 'TotpAlreadyEnabledError',
  description: 'The account already has a confirmed authenticator app; disable it first.',
  ...errorFields,
});

builder.objectType(InvalidPasskeyError, {
  name: 'InvalidPasskeyError',
  description:
    'The passkey answer was refused: an unknown passkey, another origin, an expired or already used challenge, a bad signature, no user verification where it is required, or a signature counter that went back. Start the ceremony again.',
  ...errorFields,
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
