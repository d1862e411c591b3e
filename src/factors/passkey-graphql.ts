import { refuseUnverified } from '../accounts/request-email-verification.ts';
import { addressGroup } from '../accounts/sign-in-budget.ts';
import { recordRequestEvent } from '../audit/record.ts';
import { builder } from '../graphql/builder.ts';
import {
  EmailNotVerifiedError, InvalidPasskeyError, NotFoundError, RateLimitedError, ReauthenticationRequiredError, SecondFactorRequired, ValidationError,
} from '../errors.ts';
import { authResultUnion, signInPayload, TokenDeliveryEnum } from '../sessions/graphql.ts';
import { hasSession } from '../viewer.ts';
import { findChallenge } from './challenge.ts';
import { SecondFactorsRef, signedInUserId } from './graphql.ts';
import { hasSecondFactor } from './methods.ts';
import { passkeyAssertionOptions } from './passkey-assertion.ts';
import { finishPasskeyRegistration, startPasskeyRegistration } from './passkey-registration.ts';
import { signInWithPasskey } from './passkey-sign-in.ts';
import {
  cleanPasskeyName, countPasskeys, deletePasskey, listPasskeys, MAX_PASSKEYS_PER_ACCOUNT, PASSKEY_NAME_MAX_LENGTH, renamePasskey, type PasskeyRecord,
} from './passkey-store.ts';
import { deleteRecoveryCodes, recoveryCodesLeft, replaceRecoveryCodes } from './recovery-codes.ts';
import { requireRecentVerification } from './step-up.ts';
import { findTotp } from './totp-status.ts';

const PasskeyRef = builder.objectRef<PasskeyRecord>('Passkey').implement({
  description: 'A passkey (WebAuthn credential) of the account: its label and history, never its key.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The passkey\'s id, for renamePasskey and removePasskey (not the WebAuthn credential ID).' }),
    name: t.exposeString('name', { description: 'The user\'s label for it.' }),
    synced: t.boolean({
      description: 'True for a multi-device passkey that a platform syncs (backup eligible); false for one bound to a single authenticator.',
      resolve: (p) => p.deviceType === 'multiDevice',
    }),
    backedUp: t.exposeBoolean('backedUp', { description: 'Whether the authenticator said, at the last ceremony, that the passkey is backed up.' }),
    transports: t.exposeStringList('transports', { description: 'How the browser said it reaches the authenticator (internal, hybrid, usb, nfc, ble).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it last signed in or re-verified; null when never.' }),
  }),
});

builder.objectField(SecondFactorsRef, 'passkeys', (t) =>
  t.field({
    type: [PasskeyRef],
    description: 'The account\'s passkeys, newest first.',
    resolve: (f, _a, ctx) => listPasskeys(ctx.services.database, f.userId),
  }),
);

const optionsDescription = (call: string, answer: string) =>
  `The JSON of the WebAuthn options: give its parsed value to PublicKeyCredential.${call}() (or @simplewebauthn/browser), pass the result to navigator.credentials.${answer}(), and send the JSON of the credential back. Valid for 5 minutes, once.`;

const CreationOptionsRef = builder.objectRef<{ json: string }>('PasskeyCreationOptions').implement({
  description: 'Options for navigator.credentials.create() that add a passkey to the signed-in account.',
  fields: (t) => ({ json: t.exposeString('json', { description: optionsDescription('parseCreationOptionsFromJSON', 'create') }) }),
});

const RequestOptionsRef = builder.objectRef<{ json: string }>('PasskeyRequestOptions').implement({
  description: 'Options for navigator.credentials.get(): a fresh challenge, and the passkeys that may answer it.',
  fields: (t) => ({ json: t.exposeString('json', { description: optionsDescription('parseRequestOptionsFromJSON', 'get') }) }),
});

builder.objectField(SecondFactorRequired, 'passkeyOptions', (t) =>
  t.string({
    nullable: true,
    description:
      'When methods holds PASSKEY: the JSON of the WebAuthn options for navigator.credentials.get() (PublicKeyCredential.parseRequestOptionsFromJSON), answered through verifySecondFactor\'s `passkey` with this challenge: the options are bound to this sign-in attempt and complete no other. Null otherwise.',
    resolve: async (held, _a, ctx) => {
      if (!held.methods.includes('PASSKEY')) return null;
      const pending = await findChallenge(ctx.services.database, held.challenge);
      if (pending === undefined) return null;
      return JSON.stringify(await passkeyAssertionOptions(ctx.services.database, ctx.services.config, 'SECOND_FACTOR', pending.userId, pending.id));
    },
  }),
);

const PasskeyRegisteredRef = builder.objectRef<{ passkey: PasskeyRecord; recoveryCodes: string[] | null }>('PasskeyRegistered').implement({
  description: 'The passkey is registered: from now on it signs in without a password, and sign-ins with the password ask for a second factor.',
  fields: (t) => ({
    passkey: t.field({ type: PasskeyRef, description: 'The new passkey.', resolve: (r) => r.passkey }),
    recoveryCodes: t.exposeStringList('recoveryCodes', {
      nullable: true,
      description: 'Ten recovery codes, shown only now, when this passkey is the account\'s first second factor; null when the account had codes already.',
    }),
  }),
});

const PasskeyRemovedRef = builder.objectRef<{ passkey: PasskeyRecord }>('PasskeyRemoved').implement({
  description: 'The passkey is removed: it signs in no more.',
  fields: (t) => ({ passkey: t.field({ type: PasskeyRef, description: 'The passkey as it was.', resolve: (r) => r.passkey }) }),
});

const FinishPasskeyRegistrationInput = builder.inputType('FinishPasskeyRegistrationInput', {
  description: 'The answer of navigator.credentials.create() to startPasskeyRegistration\'s options.',
  fields: (t) => ({
    response: t.string({
      required: true,
      description: 'The JSON of the PublicKeyCredential (PublicKeyCredential.toJSON(), or @simplewebauthn/browser\'s startRegistration).',
    }),
    name: t.string({ description: `A label for it, 1 to ${PASSKEY_NAME_MAX_LENGTH} characters (default "Passkey").` }),
  }),
});

const RenamePasskeyInput = builder.inputType('RenamePasskeyInput', {
  description: 'A passkey of the account and its new label.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Passkey.id.' }),
    name: t.string({ required: true, description: `The new label, 1 to ${PASSKEY_NAME_MAX_LENGTH} characters.` }),
  }),
});

const FinishPasskeySignInInput = builder.inputType('FinishPasskeySignInInput', {
  description: 'The answer of navigator.credentials.get() to startPasskeySignIn\'s options.',
  fields: (t) => ({
    response: t.string({
      required: true,
      description: 'The JSON of the PublicKeyCredential (PublicKeyCredential.toJSON(), or @simplewebauthn/browser\'s startAuthentication).',
    }),
    delivery: t.field({ type: TokenDeliveryEnum, defaultValue: 'TOKENS', description: 'How to hand over the credentials.' }),
  }),
});

builder.mutationField('startPasskeyRegistration', (t) =>
  t.field({
    type: CreationOptionsRef,
    description:
      'Starts adding a passkey to the signed-in account (a discoverable credential, so it can also sign in without a password). Needs a sign-in or re-verification within the last 10 minutes: a stolen session cannot plant its own passkey.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [ReauthenticationRequiredError, ValidationError],
      union: { name: 'StartPasskeyRegistrationResult', description: 'The outcome of startPasskeyRegistration.' },
    },
    resolve: async (_root, _args, ctx) => {
      await requireRecentVerification(ctx.services.database, ctx.viewer);
      const user = await ctx.currentUser();
      if (user === null) throw new Error('sessions:manage without a user');
      if ((await countPasskeys(ctx.services.database, user.id)) >= MAX_PASSKEYS_PER_ACCOUNT) {
        throw new ValidationError(`An account holds ${MAX_PASSKEYS_PER_ACCOUNT} passkeys at most; remove one first.`, null);
      }
      const options = await startPasskeyRegistration(ctx.services.database, ctx.services.config, user);
      return { json: JSON.stringify(options) };
    },
  }),
);

builder.mutationField('finishPasskeyRegistration', (t) =>
  t.field({
    type: PasskeyRegisteredRef,
    description:
      'Registers the passkey that navigator.credentials.create() made from startPasskeyRegistration\'s options: the origin, the RP ID, the challenge (this account\'s, unspent, at most 5 minutes old) and the attestation are checked.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [InvalidPasskeyError, ValidationError],
      union: { name: 'FinishPasskeyRegistrationResult', description: 'The outcome of finishPasskeyRegistration.' },
    },
    args: { input: t.arg({ type: FinishPasskeyRegistrationInput, required: true, description: 'The browser\'s answer and a label.' }) },
    resolve: async (_root, { input }, ctx) => {
      const userId = signedInUserId(ctx);
      const name = cleanPasskeyName(input.name ?? 'Passkey');
      if (name === null) throw new ValidationError(`A passkey's name has 1 to ${PASSKEY_NAME_MAX_LENGTH} characters and no control characters.`, 'name');
      const { database, config } = ctx.services;
      const hadSecondFactor = await hasSecondFactor(database, userId);
      const outcome = await finishPasskeyRegistration(database, config, userId, input.response, name);
      if (!outcome.ok) {
        await recordRequestEvent(ctx.services.database, ctx.meta, 'passkey.registration_failed', userId, outcome.reason);
        throw new InvalidPasskeyError();
      }
      // The first second factor comes with recovery codes, as an authenticator app does.
      const recoveryCodes = !hadSecondFactor && (await recoveryCodesLeft(database, userId)) === 0 ? await replaceRecoveryCodes(database, userId) : null;
      await recordRequestEvent(ctx.services.database, ctx.meta, 'passkey.registered', userId, `passkey ${outcome.passkey.id} "${name}"${recoveryCodes === null ? '' : ', recovery codes made'}`);
      return { passkey: outcome.passkey, recoveryCodes };
    },
  }),
);

builder.mutationField('renamePasskey', (t) =>
  t.field({
    type: PasskeyRef,
    description: 'Renames one of the signed-in account\'s passkeys.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [NotFoundError, ValidationError],
      union: { name: 'RenamePasskeyResult', description: 'The outcome of renamePasskey.' },
    },
    args: { input: t.arg({ type: RenamePasskeyInput, required: true, description: 'The passkey and its new label.' }) },
    resolve: async (_root, { input }, ctx) => {
      const userId = signedInUserId(ctx);
      const name = cleanPasskeyName(input.name);
      if (name === null) throw new ValidationError(`A passkey's name has 1 to ${PASSKEY_NAME_MAX_LENGTH} characters and no control characters.`, 'name');
      const renamed = await renamePasskey(ctx.services.database, userId, String(input.id), name);
      if (renamed === null) throw new NotFoundError('A passkey');
      await recordRequestEvent(ctx.services.database, ctx.meta, 'passkey.renamed', userId, `passkey ${renamed.id} "${name}"`);
      return renamed;
    },
  }),
);

builder.mutationField('removePasskey', (t) =>
  t.field({
    type: PasskeyRemovedRef,
    description:
      'Removes one of the signed-in account\'s passkeys. Needs a sign-in or re-verification within the last 10 minutes. The recovery codes go with the last second factor.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [ReauthenticationRequiredError, NotFoundError],
      union: { name: 'RemovePasskeyResult', description: 'The outcome of removePasskey.' },
    },
    args: { id: t.arg.id({ required: true, description: 'Passkey.id.' }) },
    resolve: async (_root, { id }, ctx) => {
      const userId = signedInUserId(ctx);
      await requireRecentVerification(ctx.services.database, ctx.viewer);
      const { database } = ctx.services;
      const removed = await deletePasskey(database, userId, String(id));
      if (removed === null) throw new NotFoundError('A passkey');
      const lastFactor = (await countPasskeys(database, userId)) === 0 && (await findTotp(database, userId))?.confirmedAt == null;
      if (lastFactor) await deleteRecoveryCodes(database, userId);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'passkey.removed', userId, `passkey ${removed.id} "${removed.name}"${lastFactor ? ', recovery codes removed' : ''}`);
      return { passkey: removed };
    },
  }),
);

builder.mutationField('startPasskeyReauthentication', (t) =>
  t.field({
    type: RequestOptionsRef,
    description: 'Options for navigator.credentials.get() that re-verify the signed-in user with one of their passkeys; answer them through reauthenticate\'s `passkey`.',
    errors: {
      types: [ReauthenticationRequiredError, NotFoundError],
      union: { name: 'StartPasskeyReauthenticationResult', description: 'The outcome of startPasskeyReauthentication.' },
    },
    resolve: async (_root, _args, ctx) => {
      // An API key cannot re-verify: it stands for no one at a keyboard.
      if (!hasSession(ctx.viewer)) throw new ReauthenticationRequiredError();
      const { database, config } = ctx.services;
      if ((await countPasskeys(database, ctx.viewer.userId)) === 0) throw new NotFoundError('A passkey');
      return { json: JSON.stringify(await passkeyAssertionOptions(database, config, 'REAUTHENTICATION', ctx.viewer.userId)) };
    },
  }),
);

builder.mutationField('startPasskeySignIn', (t) =>
  t.field({
    type: RequestOptionsRef,
    description:
      'Starts a passwordless sign-in: options with no allowCredentials, so the browser offers this site\'s discoverable passkeys (also as autofill: navigator.credentials.get({ mediation: "conditional" })), and user verification required. Finish with finishPasskeySignIn. A client address may start 100 in 10 minutes.',
    errors: {
      types: [RateLimitedError],
      union: { name: 'StartPasskeySignInResult', description: 'The outcome of startPasskeySignIn.' },
    },
    resolve: async (_root, _args, ctx) => {
      await ctx.services.passkeyStarts.take(addressGroup(ctx.meta.ip));
      return { json: JSON.stringify(await passkeyAssertionOptions(ctx.services.database, ctx.services.config, 'SIGN_IN', null)) };
    },
  }),
);

builder.mutationField('finishPasskeySignIn', (t) =>
  t.errorUnionField({
    ...authResultUnion('FinishPasskeySignInResult', 'The outcome of finishPasskeySignIn.', [
      InvalidPasskeyError, RateLimitedError, ValidationError, EmailNotVerifiedError,
    ]),
    description:
      'Signs in with a passkey, without a password: the answer to startPasskeySignIn\'s options, with user verification. The passkey names the account; the session is delivered as asked, like login\'s. Wrong answers count toward the client address\'s sign-in throttle.',
    args: { input: t.arg({ type: FinishPasskeySignInInput, required: true, description: 'The browser\'s answer.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const passed = await signInWithPasskey(ctx.services, ctx.meta, input.response);
      if (ctx.services.config.requireVerifiedEmail) {
        const user = await ctx.loaders.users.load(passed.userId);
        if (user !== undefined && !user.emailVerified) {
          await recordRequestEvent(ctx.services.database, ctx.meta, 'login.unverified', user.id);
          throw await refuseUnverified(ctx.services, user);
        }
      }
      await recordRequestEvent(ctx.services.database, ctx.meta, 'login.succeeded', passed.userId, `amr: ${passed.amr.join(' ')}`);
      return signInPayload(ctx, passed.userId, input.delivery ?? 'TOKENS', passed.amr);
    },
  }),
);

