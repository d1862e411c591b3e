import type { Context } from '../context.ts';
import { recordRequestEvent } from '../audit/record.ts';
import {
  AccountDisabledError, EmailNotVerifiedError, EmailTakenError, InvalidCredentialsError, RateLimitedError, SecondFactorRequired, ValidationError,
} from '../errors.ts';
import { holdForSecondFactor, secondFactorPending } from '../factors/sign-in-gate.ts';
import { builder } from '../graphql/builder.ts';
import { ViewerRef } from '../graphql/viewer.ts';
import { AuthPayloadRef, authResultUnion, signInPayload, TokenDeliveryEnum } from '../sessions/graphql.ts';
import { hasSession, isSignedIn } from '../viewer.ts';
import { changePassword } from './change-password.ts';
import { attackedAccount, login } from './login.ts';
import { refuseUnverified } from './request-email-verification.ts';
import { createAccount } from './sign-up.ts';
import type { UserRecord } from './users.ts';

export const UserRef = builder.objectRef<UserRecord>('User').implement({
  description: 'An account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The account\'s stable id (the `sub` of its tokens).' }),
    email: t.exposeString('email', { description: 'The sign-in address, as the user typed it.' }),
    emailVerified: t.exposeBoolean('emailVerified', { description: 'Whether the user proved they own the address.' }),
    name: t.exposeString('name', { nullable: true, description: 'What the user wants to be called.' }),
    roles: t.exposeStringList('roles', { description: 'For example ["admin"].' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was made.' }),
  }),
});

const currentUser = (_root: unknown, _args: unknown, ctx: Context) => ctx.currentUser();

builder.objectField(ViewerRef, 'user', (t) =>
  t.field({ type: UserRef, nullable: true, description: 'The account behind the credential; null when anonymous.', resolve: (_v, _a, ctx) => ctx.currentUser() }),
);

builder.queryField('me', (t) =>
  t.field({ type: UserRef, nullable: true, description: 'The signed-in user; null when anonymous.', resolve: currentUser }),
);

builder.interfaceField(AuthPayloadRef, 'user', (t) =>
  t.field({
    type: UserRef,
    description: 'The account that signed in.',
    resolve: async (result, _args, ctx) => {
      const user = await ctx.loaders.users.load(result.userId);
      if (user === undefined) throw new Error(`user ${result.userId} vanished during sign-in`);
      return user;
    },
  }),
);

const SignUpInput = builder.inputType('SignUpInput', {
  description: 'A new account.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'The sign-in address; unique whatever its case.' }),
    password: t.string({ required: true, description: '8 to 128 characters; not one of the most common passwords.' }),
    name: t.string({ description: 'What the user wants to be called.' }),
    delivery: t.field({ type: TokenDeliveryEnum, defaultValue: 'TOKENS', description: 'How to hand over the credentials.' }),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  description: 'An email and password.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'The sign-in address.' }),
    password: t.string({ required: true, description: 'The password.' }),
    delivery: t.field({ type: TokenDeliveryEnum, defaultValue: 'TOKENS', description: 'How to hand over the credentials.' }),
  }),
});

builder.mutationField('signUp', (t) =>
  t.errorUnionField({
    ...authResultUnion('SignUpResult', 'The outcome of signUp.', [ValidationError, EmailTakenError, RateLimitedError, EmailNotVerifiedError]),
    description: 'Creates an account and signs it in.',
    args: { input: t.arg({ type: SignUpInput, required: true, description: 'The new account.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const user = await createAccount(ctx.services, input, ctx.meta);
      // REQUIRE_VERIFIED_EMAIL: the account is made, but signs in only once its address is proved.
      if (ctx.services.config.requireVerifiedEmail) throw await refuseUnverified(ctx.services, user);
      return signInPayload(ctx, user.id, input.delivery ?? 'TOKENS');
    },
  }),
);

builder.mutationField('login', (t) =>
  t.errorUnionField({
    ...authResultUnion('LoginResult', 'The outcome of login.', [
      InvalidCredentialsError, ValidationError, RateLimitedError, EmailNotVerifiedError, SecondFactorRequired, AccountDisabledError,
    ]),
    description: 'Signs in with an email and password.',
    args: { input: t.arg({ type: LoginInput, required: true, description: 'The credentials.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      try {
        const { database } = ctx.services;
        const user = await login(database, ctx.services.signInBudget, { ...input, ip: ctx.meta.ip, secondFactorPending: secondFactorPending(database) });
        if (ctx.services.config.requireVerifiedEmail && !user.emailVerified) {
          await recordRequestEvent(ctx.services.database, ctx.meta, 'login.unverified', user.id);
          throw await refuseUnverified(ctx.services, user);
        }
        const held = await holdForSecondFactor(database, user.id, input.delivery ?? 'TOKENS', 'pwd');
        if (held !== null) {
          await recordRequestEvent(ctx.services.database, ctx.meta, 'login.second_factor_required', user.id);
          throw held;
        }
        await recordRequestEvent(ctx.services.database, ctx.meta, 'login.succeeded', user.id);
        return await signInPayload(ctx, user.id, input.delivery ?? 'TOKENS');
      } catch (error) {
        if (error instanceof InvalidCredentialsError || error instanceof RateLimitedError) {
          await recordRequestEvent(ctx.services.database, ctx.meta, error instanceof RateLimitedError ? 'login.throttled' : 'login.failed', attackedAccount(error), `email: ${input.email.trim().slice(0, 254)}`);
        }
        if (error instanceof AccountDisabledError) await recordRequestEvent(ctx.services.database, ctx.meta, 'login.disabled', null, `email: ${input.email.trim().slice(0, 254)}`);
        throw error;
      }
    },
  }),
);

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  description: 'The current password and its replacement.',
  fields: (t) => ({
    currentPassword: t.string({ required: true, description: 'The password in use now.' }),
    newPassword: t.string({ required: true, description: 'The replacement; the same rules as at sign-up.' }),
  }),
});

const ChangePasswordPayloadRef = builder.objectRef<{ revokedSessions: number }>('ChangePasswordPayload').implement({
  description: 'The password was changed.',
  fields: (t) => ({ revokedSessions: t.exposeInt('revokedSessions', { description: 'Every other session of the account is ended.' }) }),
});

builder.mutationField('changePassword', (t) =>
  t.field({
    type: ChangePasswordPayloadRef,
    description: 'Changes the signed-in user\'s password and ends every other session of the account.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [InvalidCredentialsError, ValidationError, RateLimitedError],
      union: { name: 'ChangePasswordResult', description: 'The outcome of changePassword.' },
    },
    args: { input: t.arg({ type: ChangePasswordInput, required: true, description: 'The passwords.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { viewer, services } = ctx;
      if (!isSignedIn(viewer)) throw new InvalidCredentialsError();
      ctx.claimCredentialCheck();
      await changePassword(services.database, services.signInBudget, { ...input, userId: viewer.userId, ip: ctx.meta.ip });
      const revokedSessions = await services.revoker.revokeAll(viewer.userId, hasSession(viewer) ? viewer.sessionId : undefined);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'password.changed', viewer.userId, `${revokedSessions} other sessions ended`);
      return { revokedSessions };
    },
  }),
);
