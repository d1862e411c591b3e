import { recordRequestEvent } from '../audit/record.ts';
import { UserRef } from '../accounts/graphql.ts';
import type { Context } from '../context.ts';
import { builder } from '../graphql/builder.ts';
import {
  EmailNotVerifiedError, EmailTakenError, InvalidCredentialsError, InvalidTokenError, NotFoundError, OAuthError, RateLimitedError, SecondFactorRequired, ValidationError,
} from '../errors.ts';
import { authResultUnion, signInPayload, TokenDeliveryEnum } from '../sessions/graphql.ts';
import { isSignedIn } from '../viewer.ts';
import { linkIdentity, listIdentities, unlinkIdentity, type LinkedIdentityRecord } from './link.ts';
import { completeUpstreamSignIn, exchangeUpstream } from './sign-in-upstream.ts';
import { startUpstreamSignIn, type UpstreamSignInStart } from './start.ts';
import { holdForSecondFactor } from '../factors/sign-in-gate.ts';

const IdentityProviderRef = builder.objectRef<{ id: string; name: string; available: boolean }>('IdentityProvider').implement({
  description: 'An upstream OpenID Connect provider users can sign in with (OIDC_PROVIDERS).',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The provider\'s id: pass it to startSocialLogin.' }),
    name: t.exposeString('name', { description: 'What to show on its button.' }),
    available: t.exposeBoolean('available', {
      description: 'False while the provider could not be reached (its discovery failed); it is asked again on use.',
    }),
  }),
});

const LinkedIdentityRef = builder.objectRef<LinkedIdentityRecord>('LinkedIdentity').implement({
  description: 'An identity at an upstream provider that signs in to this account.',
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'The provider\'s id.' }),
    subject: t.exposeString('subject', { description: 'The user\'s id at the provider (`sub`).' }),
    email: t.exposeString('email', { nullable: true, description: 'The address the provider gave at the last sign-in.' }),
    linkedAt: t.expose('linkedAt', { type: 'DateTime', description: 'When the identity was linked to the account.' }),
  }),
});

const SocialLoginStartRef = builder.objectRef<UpstreamSignInStart>('SocialLoginStart').implement({
  description: 'A sign-in started with an upstream provider.',
  fields: (t) => ({
    authorizationUrl: t.exposeString('authorizationUrl', { description: 'Send the user agent here.' }),
    state: t.exposeString('state', {
      description: 'Single use, ten minutes: the provider returns it with the code; pass both to completeSocialLogin.',
    }),
  }),
});

const StartSocialLoginInput = builder.inputType('StartSocialLoginInput', {
  description: 'Which provider, and where it sends the user back.',
  fields: (t) => ({
    provider: t.string({ required: true, description: 'The provider\'s id (identityProviders).' }),
    redirectUri: t.string({ required: true, description: 'Where the provider sends the user back; must be one the server allows.' }),
  }),
});

const ISS_DESCRIPTION =
  'The `iss` the provider sent back (RFC 9207), whenever the answer has one: it must be the provider\'s issuer exactly, else the sign-in fails.';

const CompleteSocialLoginInput = builder.inputType('CompleteSocialLoginInput', {
  description: 'What the provider sent back to the redirect URI.',
  fields: (t) => ({
    provider: t.string({ required: true, description: 'The provider\'s id, as at the start.' }),
    code: t.string({ required: true, description: 'The authorization code the provider sent back.' }),
    state: t.string({ required: true, description: 'The state the provider sent back.' }),
    iss: t.string({ required: false, description: ISS_DESCRIPTION }),
    delivery: t.field({ type: TokenDeliveryEnum, defaultValue: 'TOKENS', description: 'How to hand over the credentials.' }),
  }),
});

const CompleteSocialLinkInput = builder.inputType('CompleteSocialLinkInput', {
  description: 'What the provider sent back to the redirect URI, for a link started with linkSocialLogin.',
  fields: (t) => ({
    provider: t.string({ required: true, description: 'The provider\'s id, as at the start.' }),
    code: t.string({ required: true, description: 'The authorization code the provider sent back.' }),
    state: t.string({ required: true, description: 'The state the provider sent back.' }),
    iss: t.string({ required: false, description: ISS_DESCRIPTION }),
  }),
});

builder.queryField('identityProviders', (t) =>
  t.field({
    type: [IdentityProviderRef],
    description: 'Upstream providers a user can sign in with.',
    resolve: (_root, _args, ctx) => ctx.services.providers.list(),
  }),
);

builder.objectField(UserRef, 'identities', (t) =>
  t.field({
    type: [LinkedIdentityRef],
    description: 'The upstream identities that sign in to this account.',
    resolve: (user, _args, ctx) => listIdentities(ctx.services.database, user.id),
  }),
);

const startErrors = [ValidationError, NotFoundError, OAuthError, RateLimitedError];

builder.mutationField('startSocialLogin', (t) =>
  t.field({
    type: SocialLoginStartRef,
    description: 'Starts a sign-in through an upstream provider: send the user agent to the authorizationUrl returned.',
    errors: { types: startErrors, union: { name: 'StartSocialLoginResult', description: 'The outcome of startSocialLogin.' } },
    args: { input: t.arg({ type: StartSocialLoginInput, required: true, description: 'The provider and the redirect URI.' }) },
    resolve: (_root, { input }, ctx) => startUpstreamSignIn(startServices(ctx), { ...input, ip: ctx.meta.ip }),
  }),
);

builder.mutationField('completeSocialLogin', (t) =>
  t.errorUnionField({
    ...authResultUnion('CompleteSocialLoginResult', 'The outcome of completeSocialLogin.', [
      OAuthError, InvalidTokenError, EmailTakenError, EmailNotVerifiedError, SecondFactorRequired,
    ]),
    description:
      'Completes a sign-in through an upstream provider: the same provider account always signs in to the same Latchkey account; a new one makes an account, or is linked to the account of its email only when the provider is trusted and says the address is verified.',
    args: { input: t.arg({ type: CompleteSocialLoginInput, required: true, description: 'What the provider sent back.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const userId = await completeUpstreamSignIn(ctx.services, ctx.meta, { ...input, iss: input.iss ?? undefined });
      const held = await holdForSecondFactor(ctx.services.database, userId, input.delivery ?? 'TOKENS', 'fed');
      if (held !== null) throw held;
      return signInPayload(ctx, userId, input.delivery ?? 'TOKENS', ['fed']);
    },
  }),
);

builder.mutationField('linkSocialLogin', (t) =>
  t.field({
    type: SocialLoginStartRef,
    description: 'Starts linking an upstream provider to the signed-in account; finish with completeSocialLink, signed in as the same user.',
    authScopes: { scope: 'sessions:manage' },
    errors: { types: startErrors, union: { name: 'LinkSocialLoginResult', description: 'The outcome of linkSocialLogin.' } },
    args: { input: t.arg({ type: StartSocialLoginInput, required: true, description: 'The provider and the redirect URI.' }) },
    resolve: (_root, { input }, ctx) => {
      if (!isSignedIn(ctx.viewer)) throw new InvalidCredentialsError();
      return startUpstreamSignIn(startServices(ctx), { ...input, linkUserId: ctx.viewer.userId, ip: ctx.meta.ip });
    },
  }),
);

builder.mutationField('completeSocialLink', (t) =>
  t.field({
    type: LinkedIdentityRef,
    description: 'Links the upstream identity the provider sent back to the signed-in account (the one that called linkSocialLogin).',
    authScopes: { scope: 'sessions:manage' },
    errors: {
      types: [OAuthError, InvalidTokenError, ValidationError],
      union: { name: 'CompleteSocialLinkResult', description: 'The outcome of completeSocialLink.' },
    },
    args: { input: t.arg({ type: CompleteSocialLinkInput, required: true, description: 'What the provider sent back.' }) },
    resolve: async (_root, { input }, ctx) => {
      if (!isSignedIn(ctx.viewer)) throw new InvalidTokenError();
      ctx.claimCredentialCheck();
      const userId = ctx.viewer.userId;
      const { claims } = await exchangeUpstream(ctx.services, ctx.meta, { ...input, iss: input.iss ?? undefined }, userId);
      try {
        const identity = await linkIdentity(ctx.services.database, userId, input.provider, claims);
        await recordRequestEvent(ctx.services.database, ctx.meta, 'social.linked', userId, `provider: ${input.provider}`);
        return identity;
      } catch (error) {
        if (error instanceof ValidationError) {
          await recordRequestEvent(ctx.services.database, ctx.meta, 'social.refused', userId, `provider: ${input.provider}, reason: ${error.message}, subject: ${claims.subject}`);
        }
        throw error;
      }
    },
  }),
);

builder.mutationField('unlinkIdentity', (t) =>
  t.field({
    type: LinkedIdentityRef,
    description: 'Unlinks the signed-in account\'s identity at a provider; the account keeps at least one way to sign in.',
    authScopes: { scope: 'sessions:manage' },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'UnlinkIdentityResult', description: 'The outcome of unlinkIdentity.' } },
    args: { provider: t.arg.string({ required: true, description: 'The provider\'s id.' }) },
    resolve: async (_root, { provider }, ctx) => {
      if (!isSignedIn(ctx.viewer)) throw new NotFoundError('That linked identity');
      const removed = await unlinkIdentity(ctx.services.database, ctx.viewer.userId, provider);
      await recordRequestEvent(ctx.services.database, ctx.meta, 'social.unlinked', ctx.viewer.userId, `provider: ${provider}`);
      return removed;
    },
  }),
);

function startServices(ctx: Context) {
  const { database, providers, config, upstreamStarts } = ctx.services;
  return { database, providers, allowedOrigins: config.allowedOrigins, publicUrl: config.publicUrl, starts: upstreamStarts };
}
