import { claimAttemptById, clearFailedLogins, verifyPasswordOf } from '../accounts/login.ts';
import { UserRef } from '../accounts/graphql.ts';
import { recordRequestEvent } from '../audit/record.ts';
import type { Context } from '../context.ts';
import { builder } from '../graphql/builder.ts';
import {
  InvalidCredentialsError, InvalidSecondFactorError, InvalidTokenError, NotFoundError, RateLimitedError, ReauthenticationRequiredError,
  TotpAlreadyEnabledError, ValidationError, type SecondFactorMethod,
} from '../errors.ts';
import { SecondFactorMethodEnum } from '../graphql/errors.ts';
import { authResultUnion, signInPayload } from '../sessions/graphql.ts';
import { markSessionVerified } from '../sessions/reverify.ts';
import { hasSession, isSignedIn } from '../viewer.ts';
import { checkCode, proofMethod, type CodeProof } from './check-code.ts';
import { hasSecondFactor, secondFactorMethods } from './methods.ts';
import { countPasskeys } from './passkey-store.ts';
import { deleteRecoveryCodes, recoveryCodesLeft, replaceRecoveryCodes } from './recovery-codes.ts';
import { requireRecentVerification } from './step-up.ts';
import { acceptTotpCode, deleteTotp, startTotpEnrolment, type TotpEnrolment } from './totp-factor.ts';
import { findTotp } from './totp-status.ts';
import { verifySecondFactor } from './verify-second-factor.ts';

interface SecondFactors {
  readonly userId: string;
}

export const SecondFactorsRef = builder.objectRef<SecondFactors>('SecondFactors').implement({
  description: 'The second factors of an account: what is enrolled, never a secret.',
  fields: (t) => ({
    methods: t.field({
      type: [SecondFactorMethodEnum],
      description: 'What a sign-in of this account can pass its second step with; empty when the password alone signs in.',
      resolve: (f, _a, ctx) => secondFactorMethods(ctx.services.database, f.userId),
    }),
    totpEnabledAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When an authenticator app was confirmed; null when none is enrolled (or its enrolment is unconfirmed).',
      resolve: async (f, _a, ctx) => (await findTotp(ctx.services.database, f.userId))?.confirmedAt ?? null,
    }),
    recoveryCodesLeft: t.int({
      description: 'Unspent recovery codes, of the ten made at enrolment or the last regenerateRecoveryCodes.',
      resolve: (f, _a, ctx) => recoveryCodesLeft(ctx.services.database, f.userId),
    }),
  }),
});

builder.objectField(UserRef, 'secondFactors', (t) =>
  t.field({ type: SecondFactorsRef, description: 'The account\'s second factors (never their secrets).', resolve: (user) => ({ userId: user.id }) }),
);

const TotpEnrolmentRef = builder.objectRef<TotpEnrolment>('TotpEnrolment').implement({
  description: 'An authenticator app to add: show the QR code (or the secret), then call confirmTotp with a first code.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The shared secret in base32, for typing into an app by hand. Shown only now.' }),
    uri: t.exposeString('uri', { description: 'The otpauth://totp/ URI (6 digits, 30 seconds, SHA-1) that the QR code holds.' }),
    qrCodeSvg: t.exposeString('qrCodeSvg', { description: 'The URI as a QR code: an SVG document to show inline.' }),
  }),
});

const RecoveryCodesRef = builder.objectRef<{ codes: string[] }>('RecoveryCodes').implement({
  description: 'Ten single-use recovery codes, each signs in once in place of a code from the app. Shown only now; stored as hashes.',
  fields: (t) => ({ codes: t.exposeStringList('codes', { description: 'The codes; case, spaces and dashes do not matter when typed.' }) }),
});

const DisabledRef = builder.objectRef<{ disabled: true }>('SecondFactorDisabled').implement({
  description: 'The authenticator app and the recovery codes are removed: the password alone signs in again.',
  fields: (t) => ({ disabled: t.exposeBoolean('disabled', { description: 'Always true.' }) }),
});

const ReauthenticatedRef = builder.objectRef<{ verifiedAt: Date }>('Reauthenticated').implement({
  description: 'The session proved its user again: sensitive operations are open for the next 10 minutes.',
  fields: (t) => ({ verifiedAt: t.expose('verifiedAt', { type: 'DateTime', description: 'When the session re-verified.' }) }),
});

const codeFields = {
  totp: { description: 'A 6-digit code from the authenticator app.' },
  recoveryCode: { description: 'A recovery code.' },
  passkey: {
    description:
      'A passkey assertion: the JSON of the PublicKeyCredential (PublicKeyCredential.toJSON(), or @simplewebauthn/browser\'s startAuthentication) that navigator.credentials.get() answered to the passkey options.',
  },
} as const;

const VerifySecondFactorInput = builder.inputType('VerifySecondFactorInput', {
  description: 'The challenge of SecondFactorRequired and exactly one proof: a code, or a passkey assertion answering SecondFactorRequired.passkeyOptions.',
  fields: (t) => ({
    challenge: t.string({ required: true, description: 'SecondFactorRequired.challenge.' }),
    totp: t.string(codeFields.totp),
    recoveryCode: t.string(codeFields.recoveryCode),
    passkey: t.string(codeFields.passkey),
  }),
});

const SecondFactorCodeInput = builder.inputType('SecondFactorCodeInput', {
  description: 'Exactly one code of the signed-in account.',
  fields: (t) => ({ totp: t.string(codeFields.totp), recoveryCode: t.string(codeFields.recoveryCode) }),
});

const ReauthenticateInput = builder.inputType('ReauthenticateInput', {
  description: 'Exactly one proof: the password, a code of the account\'s second factor, or a passkey assertion answering startPasskeyReauthentication\'s options.',
  fields: (t) => ({
    password: t.string({ description: 'The account\'s password.' }),
    totp: t.string(codeFields.totp),
    recoveryCode: t.string(codeFields.recoveryCode),
    passkey: t.string(codeFields.passkey),
  }),
});

builder.mutationField('verifySecondFactor', (t) =>
  t.errorUnionField({
    ...authResultUnion('VerifySecondFactorResult', 'The outcome of verifySecondFactor.', [
      InvalidSecondFactorError, InvalidTokenError, RateLimitedError, ValidationError,
    ]),
    description:
      'Completes a sign-in that answered SecondFactorRequired, with a code from the authenticator app or a recovery code; the session is delivered as the sign-in asked (TOKENS or COOKIE).',
    args: { input: t.arg({ type: VerifySecondFactorInput, required: true, description: 'The challenge and a code.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const passed = await verifySecondFactor(ctx.services, ctx.meta, input.challenge, input);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'login.succeeded', passed.userId, `amr: ${passed.amr.join(' ')}`);
      return signInPayload(ctx, passed.userId, passed.delivery, passed.amr);
    },
  }),
);

builder.mutationField('startTotpEnrolment', (t) =>
  t.field({
    type: TotpEnrolmentRef,
    description: 'Starts adding an authenticator app to the signed-in account; it counts only once confirmTotp accepts a first code.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [TotpAlreadyEnabledError],
      union: { name: 'StartTotpEnrolmentResult', description: 'The outcome of startTotpEnrolment.' },
    },
    resolve: async (_root, _args, ctx) => {
      const user = await ctx.currentUser();
      if (user === null) throw new Error('sessions:manage without a user');
      const enrolment = await startTotpEnrolment(ctx.services.database, ctx.services.config, user);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'totp.enrolment_started', user.id);
      return enrolment;
    },
  }),
);

builder.mutationField('confirmTotp', (t) =>
  t.field({
    type: RecoveryCodesRef,
    description:
      'Confirms the authenticator app being enrolled with a first code: from now on sign-ins ask for a second factor. Answers the ten recovery codes, shown only now.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [InvalidSecondFactorError, RateLimitedError, ValidationError],
      union: { name: 'ConfirmTotpResult', description: 'The outcome of confirmTotp.' },
    },
    args: { code: t.arg.string({ required: true, description: 'The code the app shows now.' }) },
    resolve: async (_root, { code }, ctx) => {
      const userId = signedInUserId(ctx);
      ctx.claimCredentialCheck();
      await ctx.services.signInBudget.take(ctx.meta.ip);
      if (!(await acceptTotpCode(ctx.services.database, ctx.services.config, userId, code.trim(), 'pending'))) {
        await recordRequestEvent(ctx.services.database, ctx.meta, 'totp.confirmation_failed', userId);
        throw new InvalidSecondFactorError();
      }
      await ctx.services.signInBudget.giveBack(ctx.meta.ip);
      const codes = await replaceRecoveryCodes(ctx.services.database, userId);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'totp.enabled', userId, 'recovery codes made');
      return { codes };
    },
  }),
);

builder.mutationField('disableTotp', (t) =>
  t.field({
    type: DisabledRef,
    description:
      'Removes the authenticator app and the recovery codes. Needs a code of the account, or a sign-in or re-verification within the last 10 minutes.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [ReauthenticationRequiredError, InvalidSecondFactorError, NotFoundError, RateLimitedError, ValidationError],
      union: { name: 'DisableTotpResult', description: 'The outcome of disableTotp.' },
    },
    args: { input: t.arg({ type: SecondFactorCodeInput, required: false, description: 'A code; without one, the session must be recently verified.' }) },
    resolve: async (_root, { input }, ctx) => {
      const userId = signedInUserId(ctx);
      if (input == null || (input.totp == null && input.recoveryCode == null)) await requireRecentVerification(ctx.services.database, ctx.viewer);
      else {
        ctx.claimCredentialCheck();
        await checkOwnCode(ctx, userId, input);
      }
      if ((await findTotp(ctx.services.database, userId)) === null) throw new NotFoundError('An authenticator app');
      await deleteTotp(ctx.services.database, userId);
      // Recovery codes stand in for every second factor: they stay while a passkey is left.
      const keep = (await countPasskeys(ctx.services.database, userId)) > 0;
      if (!keep) await deleteRecoveryCodes(ctx.services.database, userId);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'totp.disabled', userId, keep ? 'recovery codes kept for the passkeys' : 'recovery codes removed');
      return { disabled: true as const };
    },
  }),
);

builder.mutationField('regenerateRecoveryCodes', (t) =>
  t.field({
    type: RecoveryCodesRef,
    description: 'Replaces every recovery code with ten new ones, shown only now. Needs a sign-in or re-verification within the last 10 minutes.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [ReauthenticationRequiredError, NotFoundError],
      union: { name: 'RegenerateRecoveryCodesResult', description: 'The outcome of regenerateRecoveryCodes.' },
    },
    resolve: async (_root, _args, ctx) => {
      const userId = signedInUserId(ctx);
      await requireRecentVerification(ctx.services.database, ctx.viewer);
      if (!(await hasSecondFactor(ctx.services.database, userId))) throw new NotFoundError('A second factor');
      const codes = await replaceRecoveryCodes(ctx.services.database, userId);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'recovery_codes.regenerated', userId);
      return { codes };
    },
  }),
);

builder.mutationField('reauthenticate', (t) =>
  t.field({
    type: ReauthenticatedRef,
    description:
      'Proves again, with the password or a code, that the signed-in user is at the keyboard: operations that answer ReauthenticationRequiredError work for the next 10 minutes.',
    errors: {
      types: [InvalidCredentialsError, InvalidSecondFactorError, ReauthenticationRequiredError, RateLimitedError, ValidationError],
      union: { name: 'ReauthenticateResult', description: 'The outcome of reauthenticate.' },
    },
    args: { input: t.arg({ type: ReauthenticateInput, required: true, description: 'The password or a code.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { viewer, services } = ctx;
      // An API key cannot re-verify: it stands for no one at a keyboard.
      if (!hasSession(viewer)) throw new ReauthenticationRequiredError();
      const proofs = [input.password, input.totp, input.recoveryCode, input.passkey].filter((v) => v != null).length;
      if (proofs !== 1) throw new ValidationError('Give exactly one of password, totp, recoveryCode and passkey.', 'password');
      ctx.claimCredentialCheck();
      try {
        if (input.password != null) {
          await verifyPasswordOf(services.database, services.signInBudget, viewer.userId, input.password, ctx.meta.ip);
        } else {
          await checkOwnCode(ctx, viewer.userId, input);
        }
      } catch (error) {
        if (error instanceof InvalidCredentialsError) await recordRequestEvent(ctx.services.database, ctx.meta, 'reauthenticate.failed', viewer.userId, 'method: password');
        throw error;
      }
      await clearFailedLogins(services.database, viewer.userId);
      const verifiedAt = await markSessionVerified(services.database, viewer.sessionId, viewer.userId);
      if (verifiedAt === null) throw new ReauthenticationRequiredError();
      await recordRequestEvent(ctx.services.database, ctx.meta, 'reauthenticated', viewer.userId, `method: ${input.password != null ? 'password' : proofMethod(input)}`);
      return { verifiedAt };
    },
  }),
);

/**
 * Checks a code of the caller's own account, throttled like a sign-in; InvalidSecondFactorError when
 * wrong. The caller has claimed the request's credential check.
 */
async function checkOwnCode(ctx: Context, userId: string, proof: CodeProof): Promise<SecondFactorMethod> {
  const method = proofMethod(proof);
  const { services } = ctx;
  await services.signInBudget.take(ctx.meta.ip);
  await claimAttemptById(services.database, userId);
  if ((await checkCode(services.database, services.config, userId, proof, { purpose: 'REAUTHENTICATION', meta: ctx.meta })) === null) {
    await recordRequestEvent(ctx.services.database, ctx.meta, 'second_factor.failed', userId, `method: ${method}`);
    throw new InvalidSecondFactorError();
  }
  await services.signInBudget.giveBack(ctx.meta.ip);
  await clearFailedLogins(services.database, userId);
  await recordRequestEvent(ctx.services.database, ctx.meta, 'second_factor.succeeded', userId, `method: ${method}`);
  return method;
}

/** The signed-in user of a resolver guarded by sessions:manage. */
export function signedInUserId(ctx: Context): string {
  if (!isSignedIn(ctx.viewer)) throw new Error('sessions:manage without a user');
  return ctx.viewer.userId;
}

