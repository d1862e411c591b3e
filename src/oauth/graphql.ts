import { GraphQLError } from 'graphql';
import { auditAction } from '../graphql/audit-action.ts';
import { builder } from '../graphql/builder.ts';
import { NotFoundError, OAuthError, ValidationError } from '../errors.ts';
import {
  connection, connectionType, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize,
} from '../graphql/pagination.ts';
import { FIRST_PARTY_CLIENT_ID } from '../scopes.ts';
import { findSession, listGrants, type GrantSummary } from '../sessions/find.ts';
import type { Viewer } from '../viewer.ts';
import { authorizationError, checkAuthorizationRequest, issueCode } from './authorize.ts';
import { isStale } from './browser-sign-in.ts';
import { recordGrant } from './grants.ts';
import { authenticateClient, clientNames, GRANT_TYPES, listClients, registerClient, type OAuthClientRecord } from './clients.ts';
import type { TokenResponse } from './grant-tokens.ts';
import { resolveAuthorizationParams } from './pushed-requests.ts';
import { authorizationCodeGrant } from './token.ts';

export const OAuthGrantTypeEnum = builder.enumType('OAuthGrantType', {
  description: 'A grant type a client may use at the token endpoint (RFC 7591 §2).',
  values: {
    AUTHORIZATION_CODE: { value: GRANT_TYPES.AUTHORIZATION_CODE, description: 'authorization_code: the browser flow with PKCE (RFC 6749 §4.1).' },
    REFRESH_TOKEN: { value: GRANT_TYPES.REFRESH_TOKEN, description: 'refresh_token: new tokens for a grant (RFC 6749 §6).' },
    CLIENT_CREDENTIALS: { value: GRANT_TYPES.CLIENT_CREDENTIALS, description: 'client_credentials: tokens for the client itself, confidential clients only (RFC 6749 §4.4).' },
    DEVICE_CODE: { value: GRANT_TYPES.DEVICE_CODE, description: 'urn:ietf:params:oauth:grant-type:device_code: the device flow for CLIs and TVs (RFC 8628).' },
  } as const,
});

export const OAuthClientRef = builder.objectRef<OAuthClientRecord>('OAuthClient').implement({
  description: 'A third-party application that users can grant access to their account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The registration\'s id.' }),
    clientId: t.exposeString('clientId', { description: 'The public client_id of OAuth requests.' }),
    name: t.exposeString('name', { description: 'What users see on the consent page.' }),
    redirectUris: t.exposeStringList('redirectUris', { description: 'Where codes may be sent: matched by exact string.' }),
    scopes: t.exposeStringList('scopes', { description: 'The most a user can grant it: among openid, profile, email, offline_access.' }),
    public: t.exposeBoolean('public', { description: 'Public clients (single-page and mobile apps) have no secret; PKCE protects them.' }),
    grantTypes: t.field({
      type: [OAuthGrantTypeEnum], description: 'The grant types it may use at the token endpoint.', resolve: (client) => [...client.grantTypes],
    }),
    requirePar: t.exposeBoolean('requirePar', { description: 'Its authorization requests must first be pushed to /oauth/par (RFC 9126).' }),
    postLogoutRedirectUris: t.exposeStringList('postLogoutRedirectUris', {
      description: 'Where /oauth/logout may send the browser after signing out (RP-Initiated Logout 1.0), by exact string.',
    }),
    dpopBoundAccessTokens: t.exposeBoolean('dpopBoundAccessTokens', {
      description: 'Every token request must carry a DPoP proof, so its tokens are always bound to the client\'s key (RFC 9449 §5.2).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});

const RegisterOAuthClientInput = builder.inputType('RegisterOAuthClientInput', {
  description: 'A new client.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What users see on the consent page, 1 to 100 characters.' }),
    redirectUris: t.stringList({ required: true, description: 'https URLs (http only on loopback), no fragment, no wildcard; 1 to 10 (0 to 10 without AUTHORIZATION_CODE).' }),
    scopes: t.stringList({ required: true, description: 'What it may ask for: a subset of openid, profile, email, offline_access.' }),
    public: t.boolean({ required: true, description: 'True for apps that cannot keep a secret (single-page, mobile).' }),
    grantTypes: t.field({
      type: [OAuthGrantTypeEnum],
      description: 'Default: AUTHORIZATION_CODE and REFRESH_TOKEN, plus CLIENT_CREDENTIALS for a confidential client. Without AUTHORIZATION_CODE no redirect URI is needed.',
    }),
    requirePar: t.boolean({ description: 'Accept its authorization requests only through /oauth/par (RFC 9126). Default false.' }),
    postLogoutRedirectUris: t.stringList({ description: 'Where /oauth/logout may send the browser back to; the same rules as redirect URIs; at most 10.' }),
    dpopBoundAccessTokens: t.boolean({
      description: 'Refuse its token requests without a DPoP proof (RFC 9449 §5.2, dpop_bound_access_tokens). Default false: DPoP is used when the client sends a proof.',
    }),
  }),
});

const RegisterOAuthClientPayloadRef = builder.objectRef<{ client: OAuthClientRecord; clientSecret: string | null }>('RegisterOAuthClientPayload')
  .implement({
    description: 'A registered client and, for a confidential one, its secret.',
    fields: (t) => ({
      client: t.field({ type: OAuthClientRef, description: 'The client.', resolve: (r) => r.client }),
      clientSecret: t.exposeString('clientSecret', { nullable: true, description: 'Shown once; null for public clients.' }),
    }),
  });

const AuthorizeOAuthClientInput = builder.inputType('AuthorizeOAuthClientInput', {
  description: 'The parameters of the client\'s authorization request (RFC 6749 §4.1.1, RFC 7636), or its pushed request (RFC 9126 §4).',
  fields: (t) => ({
    clientId: t.string({ required: true, description: 'The client_id.' }),
    requestUri: t.string({
      description: 'The request_uri the client got from /oauth/par (RFC 9126 §4): the pushed parameters are then the request and the others here are ignored. Single use, for the same client, until it expires. Required for a client that requires PAR.',
    }),
    redirectUri: t.string({ description: 'One of the client\'s registered redirect URIs, exactly. Required without requestUri.' }),
    scope: t.string({ description: 'Space-separated, as in RFC 6749. Required without requestUri.' }),
    state: t.string({ description: 'Passed back unchanged.' }),
    codeChallenge: t.string({ description: 'The PKCE challenge: base64url SHA-256 of the verifier. Required without requestUri.' }),
    codeChallengeMethod: t.string({ description: 'Only S256 is accepted. Required without requestUri.' }),
    nonce: t.string({ description: 'Copied into the ID token (OpenID Connect).' }),
    dpopJkt: t.string({ description: 'dpop_jkt (RFC 9449 §10): the code is then redeemed only with a DPoP proof of the key of this RFC 7638 thumbprint.' }),
  }),
});

const OAuthAuthorizationRef = builder.objectRef<{ redirectTo: string }>('OAuthAuthorization').implement({
  description: 'Consent given: where to send the user agent.',
  fields: (t) => ({
    redirectTo: t.exposeString('redirectTo', { description: 'The client\'s redirect URI with code and state: send the user agent there.' }),
  }),
});

const ExchangeOAuthCodeInput = builder.inputType('ExchangeOAuthCodeInput', {
  description: 'An authorization code and the proof that goes with it.',
  fields: (t) => ({
    clientId: t.string({ required: true, description: 'The client the code was issued to.' }),
    clientSecret: t.string({ description: 'A confidential client\'s secret; omit for public clients.' }),
    code: t.string({ required: true, description: 'The code from the redirect.' }),
    redirectUri: t.string({ required: true, description: 'The redirect URI of the authorization request.' }),
    codeVerifier: t.string({ required: true, description: 'The PKCE verifier, 43 to 128 characters.' }),
  }),
});

const OAuthTokenPayloadRef = builder.objectRef<TokenResponse>('OAuthTokenPayload').implement({
  description: 'The tokens of a grant, as POST /oauth/token returns them.',
  fields: (t) => ({
    tokenType: t.exposeString('token_type', { description: 'Always Bearer.' }),
    accessToken: t.exposeString('access_token', { description: 'A JWT in the RFC 9068 profile (aud, client_id, scope).' }),
    expiresIn: t.exposeInt('expires_in', { description: 'Seconds until the access token expires.' }),
    refreshToken: t.string({ nullable: true, description: 'Single use: each refresh returns a new one.', resolve: (r) => r.refresh_token ?? null }),
    scope: t.exposeString('scope', { description: 'The granted scopes, space-separated.' }),
    idToken: t.string({ nullable: true, description: 'An OpenID Connect ID token (RS256), when openid was granted.', resolve: (r) => r.id_token ?? null }),
  }),
});

interface Grant extends GrantSummary {
  readonly clientName: string;
}

const OAuthGrantRef = builder.objectRef<Grant>('OAuthGrant').implement({
  description: 'An application the user granted access to their account.',
  fields: (t) => ({
    clientId: t.exposeString('clientId', { description: 'The application\'s client_id; pass it to revokeOAuthGrant.' }),
    clientName: t.exposeString('clientName', { description: 'The application\'s name.' }),
    scopes: t.exposeStringList('scopes', { description: 'What it may do.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When access was first granted.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it last refreshed its tokens.' }),
    offlineAccess: t.exposeBoolean('offline', {
      description: 'True when it was granted offline_access: its access outlives your sign-in session (until it expires or you revoke it). '
        + 'False: its access ends when the session you allowed it from ends.',
    }),
  }),
});

const OAuthClientConnectionRef = connectionType(OAuthClientRef, { noun: 'client', nouns: 'clients' });
const OAuthGrantConnectionRef = connectionType(OAuthGrantRef, { noun: 'grant', nouns: 'grants' });

export const RevokeOAuthGrantPayloadRef = builder.objectRef<{ clientId: string; revokedSessions: number }>('RevokeOAuthGrantPayload').implement({
  description: 'The application\'s access ended.',
  fields: (t) => ({
    clientId: t.exposeString('clientId', { description: 'The application.' }),
    revokedSessions: t.exposeInt('revokedSessions', { description: 'How many of its grants (sessions) were ended.' }),
  }),
});

/** A user's own first-party credential: a session cookie or a Latchkey access token (never an API key or a third-party token). */
export function firstPartySession(viewer: Viewer): { readonly userId: string; readonly sessionId: string } {
  if (viewer.credential === 'SESSION_COOKIE' || (viewer.credential === 'ACCESS_TOKEN' && viewer.clientId === FIRST_PARTY_CLIENT_ID)) return viewer;
  throw new GraphQLError('This credential may not use this field.', { extensions: { code: 'FORBIDDEN' } });
}

const firstPartyUser = (viewer: Viewer): string => firstPartySession(viewer).userId;

/** A grant cursor holds a client_id (`lk_` and base64url), not a uuid. */
const isClientId = (id: string) => /^[\w-]{1,100}$/.test(id);

builder.queryFields((t) => ({
  oauthClients: t.field({
    type: OAuthClientConnectionRef,
    description: 'Admin only: the registered clients, newest first.',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const rows = await listClients(ctx.services.database, { after, limit: size + 1 });
      return connection(rows, size, (client) => ({ at: client.createdAt, id: client.id }), after !== null);
    },
  }),
  oauthGrants: t.field({
    type: OAuthGrantConnectionRef,
    description: 'The applications the caller granted access to, newest first.',
    authScopes: { scope: 'sessions:manage' },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const userId = firstPartyUser(ctx.viewer);
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after, isClientId);
      const grants = await listGrants(ctx.services.database, userId, { after, limit: size + 1 });
      const names = await clientNames(ctx.services.database, grants.map((grant) => grant.clientId));
      const rows = grants.map((grant) => ({ ...grant, clientName: names.get(grant.clientId) ?? grant.clientId }));
      return connection(rows, size, (grant) => ({ at: grant.createdAt, id: grant.clientId }), after !== null);
    },
  }),
}));

builder.mutationFields((t) => ({
  registerOAuthClient: t.field({
    type: RegisterOAuthClientPayloadRef,
    description: 'Admin only.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], union: { name: 'RegisterOAuthClientResult', description: 'The outcome of registerOAuthClient.' } },
    args: { input: t.arg({ type: RegisterOAuthClientInput, required: true, description: 'The client\'s settings.' }) },
    resolve: async (_root, { input }, ctx) => {
      const createdBy = ctx.viewer.credential === 'ANONYMOUS' ? null : ctx.viewer.userId;
      const registered = await registerClient(ctx.services.database, { ...input, createdBy });
      ctx.state.noStore = true;
      await auditAction(ctx, {
        type: 'oauth.client_registered', userId: createdBy, target: { type: 'OAUTH_CLIENT', id: registered.client.clientId },
        metadata: { public: registered.client.public, grantTypes: [...registered.client.grantTypes] },
        detail: `${registered.client.public ? 'public' : 'confidential'} client ${registered.client.clientId} (${registered.client.name})`,
      });
      return registered;
    },
  }),
  authorizeOAuthClient: t.field({
    type: OAuthAuthorizationRef,
    description: 'The signed-in user grants a client access: the consent step of the authorization code flow.',
    authScopes: { signedIn: true },
    errors: { types: [OAuthError], union: { name: 'AuthorizeOAuthClientResult', description: 'The outcome of authorizeOAuthClient.' } },
    args: { input: t.arg({ type: AuthorizeOAuthClientInput, required: true, description: 'The authorization request.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { userId, sessionId } = firstPartySession(ctx.viewer);
      const issuer = ctx.services.config.publicUrl;
      const sent = new URLSearchParams(Object.entries({
        client_id: input.clientId, request_uri: input.requestUri, redirect_uri: input.redirectUri, response_type: 'code', scope: input.scope,
        state: input.state, code_challenge: input.codeChallenge, code_challenge_method: input.codeChallengeMethod, nonce: input.nonce, dpop_jkt: input.dpopJkt,
      }).flatMap(([name, value]) => (value == null ? [] : [[name, value]])));
      const request = await checkAuthorizationRequest(ctx.services.database, issuer, await resolveAuthorizationParams(ctx.services.database, sent));
      const session = await findSession(ctx.services.database, sessionId);
      const signedIn = { userId, sessionId, authTime: session?.createdAt ?? new Date(), amr: session?.amr ?? [] };
      // A pushed request may ask for max_age or a second factor (OIDC Core §3.1.2.1); GraphQL cannot sign the user in again.
      if (isStale(signedIn, request) || (request.requireMfa && !signedIn.amr.includes('mfa'))) {
        throw authorizationError(request.redirectUri, issuer, 'login_required', 'The request asks for a newer sign-in or a second factor: sign in again.', request.state);
      }
      const redirectTo = await issueCode(ctx.services.database, issuer, signedIn, request);
      await recordGrant(ctx.services.database, userId, request, ctx.meta.ip, ctx.meta.userAgent);
      ctx.state.noStore = true;
      return { redirectTo };
    },
  }),
  exchangeOAuthCode: t.field({
    type: OAuthTokenPayloadRef,
    description: 'The same exchange as POST /oauth/token with grant_type=authorization_code.',
    errors: { types: [OAuthError], union: { name: 'ExchangeOAuthCodeResult', description: 'The outcome of exchangeOAuthCode.' } },
    args: { input: t.arg({ type: ExchangeOAuthCodeInput, required: true, description: 'The code, the client and the PKCE verifier.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      const client = await authenticateClient(ctx.services.database, input.clientId, input.clientSecret ?? null);
      if (client === undefined) throw new OAuthError('invalid_client', 'Client authentication failed.');
      // No DPoP proof can come through GraphQL (RFC 9449 §5.2): a DPoP-bound client redeems at POST /oauth/token.
      if (client.dpopBoundAccessTokens) throw new OAuthError('invalid_dpop_proof', 'This client is DPoP-bound: redeem the code at POST /oauth/token with a DPoP proof.');
      const tokens = await authorizationCodeGrant(ctx.services, client, { ...input, dpopJkt: null }, ctx.meta);
      ctx.state.noStore = true;
      return tokens;
    },
  }),
  revokeOAuthGrant: t.field({
    type: RevokeOAuthGrantPayloadRef,
    description: 'Ends an application\'s access to the caller\'s account: every token it holds stops working at once.',
    authScopes: { scope: 'sessions:manage' },
    errors: { types: [NotFoundError], union: { name: 'RevokeOAuthGrantResult', description: 'The outcome of revokeOAuthGrant.' } },
    args: { clientId: t.arg.string({ required: true, description: 'The application\'s client_id.' }) },
    resolve: async (_root, { clientId }, ctx) => {
      const userId = firstPartyUser(ctx.viewer);
      const revokedSessions = await ctx.services.revoker.revokeClient(userId, clientId.slice(0, 100));
      if (revokedSessions === 0) throw new NotFoundError('The grant');
      await auditAction(ctx, {
        type: 'oauth.grant_revoked', userId, target: { type: 'OAUTH_CLIENT', id: clientId.slice(0, 100) }, metadata: { revokedSessions }, detail: `client ${clientId}: ${revokedSessions} grants ended by the user`,
      });
      return { clientId, revokedSessions };
    },
  }),
}));
