import { AppError, ErrorInterface } from '../graphql/errors.ts';
import { builder } from '../graphql/builder.ts';

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

export const SecondFactorMethodEnum = builder.enumType('SecondFactorMethod', {
  description: 'A way to pass the second step of a sign-in.',
  values: {
    TOTP: { description: 'A 6-digit code from an authenticator app (RFC 6238).' },
    RECOVERY_CODE: { description: 'One of the single-use recovery codes shown at enrolment.' },
    PASSKEY: { description: 'A passkey (WebAuthn): answer SecondFactorRequired.passkeyOptions with navigator.credentials.get().' },
  } as const,
});

const errorFields = { interfaces: [ErrorInterface] };

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
