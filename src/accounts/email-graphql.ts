import { recordRequestEvent } from '../audit/record.ts';
import { builder } from '../graphql/builder.ts';
import { EmailTakenError, InvalidTokenError, RateLimitedError, ReauthenticationRequiredError, ValidationError } from '../errors.ts';
import { requireRecentVerification } from '../factors/step-up.ts';
import { hasSession } from '../viewer.ts';
import { confirmEmailChange } from './confirm-email-change.ts';
import { UserRef } from './graphql.ts';
import { accepted, RequestAcceptedPayloadRef } from './request-accepted-graphql.ts';
import { requestEmailChange } from './request-email-change.ts';
import { requestEmailVerification } from './request-email-verification.ts';
import type { UserRecord } from './users.ts';
import { confirmEmail } from './verify-email.ts';

builder.objectField(UserRef, 'pendingEmail', (t) =>
  t.string({
    nullable: true,
    description:
      'The address a requested change (requestEmailChange) waits to be confirmed at, through the link mailed there; null when none is pending or its link expired. `email` stays the sign-in address until confirmEmailChange.',
    resolve: async (user, _args, ctx) => (await ctx.loaders.pendingEmails.load(user.id))?.email ?? null,
  }),
);

const RequestEmailChangeInput = builder.inputType('RequestEmailChangeInput', {
  description: 'The address the signed-in account should move to.',
  fields: (t) => ({
    newEmail: t.string({ required: true, description: 'The new sign-in address; the same rules as at sign-up, and no other account may hold it.' }),
  }),
});

const EmailChangeRequestedRef = builder.objectRef<{ pendingEmail: string; expiresAt: Date }>('EmailChangeRequested').implement({
  description: 'A confirmation link is on its way to the new address; the account keeps its address until the link is used.',
  fields: (t) => ({
    pendingEmail: t.exposeString('pendingEmail', { description: 'The new address, as it will be stored (trimmed); also User.pendingEmail.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the link stops working (1 hour from now).' }),
  }),
});

const ConfirmEmailChangeInput = builder.inputType('ConfirmEmailChangeInput', {
  description: 'The token of an email-change link.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The `token` parameter of the link in the mail sent to the new address.' }),
  }),
});

const EmailChangedRef = builder.objectRef<{ user: UserRecord; revokedSessions: number }>('EmailChanged').implement({
  description: 'The account signs in with the new address, which counts as verified; the old one signs in no more and was told of the change.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The account, with its new address.', resolve: (r) => r.user }),
    revokedSessions: t.exposeInt('revokedSessions', {
      description: 'Sessions of the account that were ended: every one but the caller\'s own, when the caller is signed in to this account.',
    }),
  }),
});

builder.mutationField('requestEmailChange', (t) =>
  t.field({
    type: EmailChangeRequestedRef,
    description:
      'Starts changing the signed-in account\'s sign-in address: mails a single-use link (1 hour) to the new address, which confirmEmailChange takes. Needs a sign-in or re-verification within the last 10 minutes. An account may ask 5 times an hour.',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [ReauthenticationRequiredError, ValidationError, EmailTakenError, RateLimitedError],
      union: { name: 'RequestEmailChangeResult', description: 'The outcome of requestEmailChange.' },
    },
    args: { input: t.arg({ type: RequestEmailChangeInput, required: true, description: 'The new address.' }) },
    resolve: async (_root, { input }, ctx) => {
      await requireRecentVerification(ctx.services.database, ctx.viewer);
      const user = await ctx.currentUser();
      if (user === null) throw new Error('sessions:manage without a user');
      return requestEmailChange(ctx.services, { userId: user.id, currentEmail: user.email, newEmail: input.newEmail }, ctx.meta);
    },
  }),
);

builder.mutationField('confirmEmailChange', (t) =>
  t.field({
    type: EmailChangedRef,
    description:
      'Moves an account to the address an email-change link was mailed to, with the link\'s token (once, within 1 hour; no credential needed, the link may be opened anywhere). Ends every other session of the account.',
    errors: {
      types: [InvalidTokenError, EmailTakenError],
      union: { name: 'ConfirmEmailChangeResult', description: 'The outcome of confirmEmailChange.' },
    },
    args: { input: t.arg({ type: ConfirmEmailChangeInput, required: true, description: 'The token.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const caller = hasSession(ctx.viewer) ? { userId: ctx.viewer.userId, sessionId: ctx.viewer.sessionId } : null;
      return confirmEmailChange(ctx.services, { token: input.token, caller }, ctx.meta);
    },
  }),
);

const VerifyEmailInput = builder.inputType('VerifyEmailInput', {
  description: 'The token of a verification link.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The `token` parameter of the link in the verification mail.' }),
  }),
});

builder.mutationField('requestEmailVerification', (t) =>
  t.field({
    type: RequestAcceptedPayloadRef,
    description: 'Mails the signed-in user a link that proves their address.',
    authScopes: { signedIn: true },
    errors: {
      types: [RateLimitedError],
      union: { name: 'RequestEmailVerificationResult', description: 'The outcome of requestEmailVerification.' },
    },
    resolve: async (_root, _args, ctx) => {
      const user = await ctx.currentUser();
      if (user === null) throw new Error('a signed-in viewer without an account');
      await requestEmailVerification(ctx.services, user);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'email.verification_requested', user.id);
      return accepted;
    },
  }),
);

builder.mutationField('verifyEmail', (t) =>
  t.field({
    type: UserRef,
    description: 'Proves the address with the token of a verification link; the link works once, for 24 hours.',
    errors: { types: [InvalidTokenError], union: { name: 'VerifyEmailResult', description: 'The outcome of verifyEmail.' } },
    args: { input: t.arg({ type: VerifyEmailInput, required: true, description: 'The token.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      return confirmEmail(ctx.services, input.token, ctx.meta);
    },
  }),
);
