import type { Context } from '../context.ts';
import { NotFoundError, ReauthenticationRequiredError, ValidationError } from '../errors.ts';
import { requireRecentVerification } from '../factors/step-up.ts';
import { auditAction } from '../graphql/audit-action.ts';
import { builder } from '../graphql/builder.ts';
import { isUuid } from '../lib/secrets.ts';
import { ApiKeyEnvironmentEnum, ApiKeyRef, canSee, RateLimitInput } from './graphql.ts';
import { issueKey, validateKeyInput, type IssuedKey } from './issue.ts';
import type { ApiKeyRecord } from './key.ts';
import { findKey, MAX_ROLL_OVERLAP_SECONDS, revokeKey, rollKey } from './manage.ts';
import { ownerDisabled } from './owner-disabled.ts';
import { countRefusal } from './refusals.ts';
import { grantableBy } from './scopes-graphql.ts';
import type { KeyRefusal } from './verify.ts';

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new key.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What to call it, 1 to 100 characters.' }),
    scopes: t.stringList({ defaultValue: [], description: 'What it may do: a subset of what its owner may do (see README).' }),
    environment: t.field({ type: ApiKeyEnvironmentEnum, defaultValue: 'LIVE', description: 'LIVE or TEST.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working; in the future, at most five years away.' }),
    rateLimit: t.field({ type: RateLimitInput, description: 'A budget per sliding window; omit for none.' }),
  }),
});

const CreateApiKeyPayloadRef = builder.objectRef<IssuedKey>('CreateApiKeyPayload').implement({
  description: 'A key and its secret.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (issued) => issued.key }),
    secret: t.exposeString('secret', { description: 'The whole key. It is shown this once and never stored: only its hash is kept.' }),
  }),
});

type VerificationCode = KeyRefusal | 'RATE_LIMITED' | 'OWNER_DISABLED';

const ApiKeyVerificationCodeEnum = builder.enumType('ApiKeyVerificationCode', {
  description: 'Why a key may not be used now.',
  values: {
    MALFORMED: { description: 'Not a key: wrong prefix, length or checksum (no database was asked).' },
    NOT_FOUND: { description: 'Well-formed, but no such key exists.' },
    REVOKED: { description: 'Revoked by its owner or an admin.' },
    EXPIRED: { description: 'Past its expiresAt, or an old secret of a rolled key past its overlap.' },
    RATE_LIMITED: { description: 'Good, but over its rate limit until resetAt.' },
    OWNER_DISABLED: { description: 'The account that owns the key is disabled (disableUser): its keys do not work until enableUser.' },
  } satisfies Record<VerificationCode, { description: string }>,
});

interface Verification {
  readonly valid: boolean;
  readonly code: VerificationCode | null;
  readonly apiKey: ApiKeyRecord | null;
  readonly remaining: number | null;
  readonly resetAt: Date | null;
}

const ApiKeyVerificationRef = builder.objectRef<Verification>('ApiKeyVerification').implement({
  description: 'What another service learns when it asks whether a key it was handed is good.',
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'Whether the key may be used now.' }),
    code: t.expose('code', { type: ApiKeyVerificationCodeEnum, nullable: true, description: 'Why not, when not valid; null when valid.' }),
    apiKey: t.field({ type: ApiKeyRef, nullable: true, description: 'The key, when it is valid or only over its rate limit.', resolve: (v) => v.apiKey }),
    scopes: t.stringList({ description: 'What the key may do; empty when not valid.', resolve: (v) => (v.valid && v.apiKey !== null ? [...v.apiKey.scopes] : []) }),
    remaining: t.exposeInt('remaining', { nullable: true, description: 'Requests left in the current rate-limit window, when the key has a limit.' }),
    resetAt: t.expose('resetAt', { type: 'DateTime', nullable: true, description: 'When the current window ends, when the key has a limit.' }),
  }),
});


/** A key the caller may manage (its owner, or an admin), or NotFoundError. */
async function manageableKey(ctx: Context, id: string): Promise<ApiKeyRecord> {
  const key = isUuid(id) ? await findKey(ctx.services.database, id) : undefined;
  if (key === undefined || !(await canSee(ctx, key))) throw new NotFoundError('The API key');
  return key;
}

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayloadRef,
    description: 'Creates a key for the caller. The secret is in the answer and nowhere else, ever.',
    authScopes: { scope: 'apikeys:manage' },
    errors: {
      types: [ValidationError, ReauthenticationRequiredError],
      union: { name: 'CreateApiKeyResult', description: 'The outcome of createApiKey.' },
    },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key\'s settings.' }) },
    resolve: async (_root, { input }, ctx) => {
      const user = await ctx.currentUser();
      if (user === null) throw new NotFoundError('The account');
      // A key never holds more than its owner, nor more than the key that creates it.
      const grantable = grantableBy(ctx, user.roles);
      const valid = validateKeyInput({
        ownerId: user.id, name: input.name, scopes: input.scopes ?? [], environment: input.environment === 'TEST' ? 'test' : 'live',
        expiresAt: input.expiresAt ?? null, rateLimit: input.rateLimit ?? null,
      }, grantable);
      if (valid.scopes.includes('admin')) await requireRecentVerification(ctx.services.database, ctx.viewer);
      const issued = await issueKey(ctx.services.database, valid);
      ctx.state.noStore = true;
      await auditAction(ctx, {
        type: 'api_key.created', userId: user.id, target: { type: 'API_KEY', id: issued.key.id },
        metadata: { scopes: [...issued.key.scopes], rateLimit: issued.key.rateLimit, expiresAt: issued.key.expiresAt?.toISOString() ?? null },
        detail: `key ${issued.key.id} (${issued.key.start}…) scopes: ${issued.key.scopes.join(' ') || 'none'}`,
      });
      return issued;
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes a key at once, on every instance.',
    authScopes: { scope: 'apikeys:manage' },
    errors: { types: [NotFoundError], union: { name: 'RevokeApiKeyResult', description: 'The outcome of revokeApiKey.' } },
    args: { id: t.arg.id({ required: true, description: 'The key\'s id.' }) },
    resolve: async (_root, { id }, ctx) => {
      const key = await manageableKey(ctx, String(id));
      const revoked = await revokeKey(ctx.services.database, ctx.services.invalidations, key.id);
      if (revoked === undefined) throw new NotFoundError('The API key');
      await auditAction(ctx, { type: 'api_key.revoked', userId: key.ownerId, target: { type: 'API_KEY', id: key.id }, detail: `key ${key.id} (${key.start}…)` });
      return revoked;
    },
  }),
  rollApiKey: t.field({
    type: CreateApiKeyPayloadRef,
    description: 'A new secret for the same key; the old secret stops working at once, or after overlapSeconds.',
    authScopes: { scope: 'apikeys:manage' },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'RollApiKeyResult', description: 'The outcome of rollApiKey.' } },
    args: {
      id: t.arg.id({ required: true, description: 'The key\'s id.' }),
      overlapSeconds: t.arg.int({ defaultValue: 0, description: `How long the old secret keeps working, 0 to ${MAX_ROLL_OVERLAP_SECONDS} seconds (default 0).` }),
    },
    resolve: async (_root, { id, overlapSeconds }, ctx) => {
      const overlap = overlapSeconds ?? 0;
      if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROLL_OVERLAP_SECONDS) {
        throw new ValidationError(`The overlap must be from 0 to ${MAX_ROLL_OVERLAP_SECONDS} seconds.`, 'overlapSeconds');
      }
      const key = await manageableKey(ctx, String(id));
      const rolled = await rollKey(ctx.services.database, ctx.services.invalidations, key.id, overlap);
      if (rolled === undefined) throw new NotFoundError('The API key');
      ctx.state.noStore = true;
      await auditAction(ctx, {
        type: 'api_key.rolled', userId: key.ownerId, target: { type: 'API_KEY', id: key.id }, metadata: { overlapSeconds: overlap },
        detail: `key ${key.id}: ${key.start}… became ${rolled.key.start}…, overlap ${overlap} s`,
      });
      return rolled;
    },
  }),
  verifyApiKey: t.field({
    type: ApiKeyVerificationRef,
    description: 'For other services: checks a key they were handed, counts the use and applies the key\'s rate limit. A mutation because it has effects. The caller needs the scope apikeys:verify.',
    authScopes: { scope: 'apikeys:verify' },
    args: { key: t.arg.string({ required: true, description: 'The key as it was presented.' }) },
    resolve: async (_root, args, ctx): Promise<Verification> => {
      const { services } = ctx;
      const check = await services.apiKeys.check(args.key.trim());
      if (!check.ok) {
        countRefusal(services, check);
        return { valid: false, code: check.code, apiKey: null, remaining: null, resetAt: null };
      }
      const { key } = check;
      if (await ownerDisabled(services, key.ownerId)) return { valid: false, code: 'OWNER_DISABLED', apiKey: null, remaining: null, resetAt: null };
      if (key.rateLimit === null) {
        services.usage.record(key.id, 'served');
        return { valid: true, code: null, apiKey: key, remaining: null, resetAt: null };
      }
      const decision = await services.rateLimiter.hit(key.id, key.rateLimit.limit, key.rateLimit.windowSeconds);
      services.usage.record(key.id, decision.allowed ? 'served' : 'rate_limited');
      return {
        valid: decision.allowed, code: decision.allowed ? null : 'RATE_LIMITED', apiKey: key,
        remaining: decision.remaining, resetAt: new Date(Date.now() + decision.resetMs),
      };
    },
  }),
}));
