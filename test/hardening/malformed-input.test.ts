import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isUnionType,
  type GraphQLArgument, type GraphQLInputField, type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpAdmin, signUpUser, uniqueEmail, type SignedUp } from '../helpers/users.ts';

/**
 * Every input of every mutation, sent malformed: empty, huge, over the body limit, of the wrong type, with
 * control characters, shaped like SQL or a script. Each must be refused with a 4xx or a typed error,
 * never a 5xx, never with internals in the body, and never with a row written.
 */

const GOOD_PASSWORD = 'a perfectly fine passphrase';
const MEGABYTE = 'm'.repeat(1_100_000);

interface Fixture {
  readonly user: SignedUp;
  readonly admin: SignedUp;
}

interface MutationCases {
  /** Who calls: nobody, or a fixture account with an access token (first-party scopes). */
  readonly as: 'anonymous' | 'user' | 'admin';
  /** Variables that are refused for a reason of their own, so that whatever one spoiled input holds, nothing is written. */
  readonly refused: (fixture: Fixture) => Record<string, unknown>;
  /** Other refused variables for when the input spoiled is the one `refused` relies on. */
  readonly refusedWhenSpoiling?: Record<string, (fixture: Fixture) => Record<string, unknown>>;
  /** Extra fields to select, and what a refusal looks like when the answer is not an error type. */
  readonly select?: string;
  readonly isRefusal?: (result: Record<string, unknown>) => boolean;
  /** The refusal itself is audited (a failed passkey answer, as issue #18 asks): one audit event, nothing else. */
  readonly auditsRefusal?: true;
}

/** One entry per mutation of the schema: a test below fails when a mutation has none. */
const MUTATIONS: Record<string, MutationCases> = {
  signUp: {
    as: 'anonymous',
    refused: ({ user }) => ({ input: { email: user.email, password: GOOD_PASSWORD, name: 'Taken Address' } }),
  },
  login: {
    as: 'anonymous',
    refused: () => ({ input: { email: uniqueEmail('nobody'), password: GOOD_PASSWORD } }),
  },
  refresh: {
    as: 'anonymous',
    refused: () => ({ input: { refreshToken: randomBytes(32).toString('base64url') } }),
  },
  logout: {
    as: 'anonymous',
    refused: () => ({ input: { everywhere: false } }),
  },
  changePassword: {
    as: 'user',
    refused: () => ({ input: { currentPassword: 'not the current password', newPassword: GOOD_PASSWORD } }),
  },
  revokeSession: { as: 'user', refused: () => ({ id: randomUUID() }) },
  requestEmailVerification: { as: 'anonymous', refused: () => ({}) },
  verifyEmail: { as: 'anonymous', refused: () => ({ input: { token: randomBytes(32).toString('base64url') } }) },
  requestPasswordReset: { as: 'anonymous', refused: () => ({ input: { email: 'not an address' } }) },
  // The admin's address is taken: refused, and the refusal is audited (email.change_failed).
  requestEmailChange: { as: 'user', refused: ({ admin }) => ({ input: { newEmail: admin.email } }), auditsRefusal: true },
  confirmEmailChange: { as: 'anonymous', refused: () => ({ input: { token: randomBytes(32).toString('base64url') } }) },
  resetPassword: {
    as: 'anonymous',
    refused: () => ({ input: { token: randomBytes(32).toString('base64url'), newPassword: GOOD_PASSWORD } }),
  },
  createApiKey: {
    as: 'user',
    // An expiry in the past is checked after the name and scopes, and before the rate limit.
    refused: () => ({ input: { name: 'key', expiresAt: '2000-01-01T00:00:00.000Z', rateLimit: { limit: 10, windowSeconds: 60 } } }),
    refusedWhenSpoiling: { 'input.expiresAt': () => ({ input: { name: 'key', scopes: ['no:such-scope'] } }) },
  },
  revokeApiKey: { as: 'user', refused: () => ({ id: randomUUID() }) },
  rollApiKey: { as: 'user', refused: () => ({ id: randomUUID(), overlapSeconds: 0 }) },
  verifyApiKey: {
    as: 'user',
    refused: () => ({ key: `sk_live_${randomBytes(32).toString('base64url')}` }),
    select: '... on ApiKeyVerification { valid code }',
    isRefusal: (result) => result.valid === false,
  },
  registerOAuthClient: {
    as: 'admin',
    refused: () => ({ input: { name: 'client', public: true, redirectUris: ['http://evil.example/callback'], scopes: ['openid'] } }),
    refusedWhenSpoiling: {
      'input.redirectUris': () => ({ input: { name: 'client', public: true, redirectUris: [], scopes: ['no:such-scope'] } }),
    },
  },
  authorizeOAuthClient: {
    as: 'user',
    refused: () => ({
      input: {
        clientId: `unknown-${randomUUID()}`, redirectUri: 'https://app.example/callback', scope: 'openid',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256', state: 's', nonce: 'n',
      },
    }),
  },
  exchangeOAuthCode: {
    as: 'anonymous',
    refused: () => ({
      input: {
        clientId: `unknown-${randomUUID()}`, code: randomBytes(32).toString('base64url'), redirectUri: 'https://app.example/callback',
        codeVerifier: randomBytes(32).toString('base64url'), clientSecret: 'wrong',
      },
    }),
  },
  revokeOAuthGrant: { as: 'user', refused: () => ({ clientId: `unknown-${randomUUID()}` }) },
  startSocialLogin: { as: 'anonymous', refused: () => ({ input: { provider: 'no-such-provider', redirectUri: 'https://app.example/' } }) },
  linkSocialLogin: { as: 'user', refused: () => ({ input: { provider: 'no-such-provider', redirectUri: 'https://app.example/' } }) },
  completeSocialLogin: {
    as: 'anonymous',
    refused: () => ({ input: { provider: 'no-such-provider', code: 'code', state: randomBytes(32).toString('base64url') } }),
  },
  completeSocialLink: {
    as: 'user',
    refused: () => ({ input: { provider: 'no-such-provider', code: 'code', state: randomBytes(32).toString('base64url') } }),
  },
  unlinkIdentity: { as: 'user', refused: () => ({ provider: 'no-such-provider' }) },
  disableUser: { as: 'admin', refused: () => ({ id: randomUUID() }) },
  updateOAuthClient: {
    as: 'admin',
    refused: () => ({ input: { clientId: `unknown-${randomUUID()}`, name: 'client', redirectUris: ['https://app.example/cb'], scopes: ['openid'] } }),
  },
  rotateOAuthClientSecret: { as: 'admin', refused: () => ({ clientId: `unknown-${randomUUID()}` }) },
  deleteOAuthClient: { as: 'admin', refused: () => ({ clientId: `unknown-${randomUUID()}` }) },
  updateApiKey: {
    as: 'user',
    refused: () => ({ input: { id: randomUUID(), name: 'key', scopes: ['apikeys:verify'], rateLimit: { limit: 10, windowSeconds: 60 }, expiresAt: null } }),
  },
  enableUser: { as: 'admin', refused: () => ({ id: randomUUID() }) },
  revokeUserSessions: { as: 'admin', refused: () => ({ id: randomUUID() }) },
  // Another account's session id under the fixture user's id: the pair must match, so nothing ends.
  revokeUserSession: { as: 'admin', refused: ({ user }) => ({ userId: user.userId, sessionId: randomUUID() }) },
  revokeUserOAuthGrant: { as: 'admin', refused: ({ user }) => ({ userId: user.userId, clientId: `unknown-${randomUUID()}` }) },
  deleteUser: { as: 'admin', refused: () => ({ id: randomUUID() }) },
  setUserRoles: {
    as: 'admin',
    refused: ({ user }) => ({ input: { userId: user.userId, roles: ['no-such-role'] } }),
    refusedWhenSpoiling: { 'input.roles': () => ({ input: { userId: randomUUID(), roles: [] } }) },
  },
  // Admin only: a user is refused whatever the input.
  rotateSigningKeys: { as: 'user', refused: () => ({ input: { revokeCurrent: true } }) },
  verifySecondFactor: { as: 'anonymous', refused: () => ({ input: { challenge: randomBytes(32).toString('base64url'), totp: '123456' } }) },
  // Enrolling writes its pending secret, so only an anonymous (refused) call is sent.
  startTotpEnrolment: { as: 'anonymous', refused: () => ({}) },
  // The fixture user has no authenticator app: no code can confirm or remove one.
  confirmTotp: { as: 'user', refused: () => ({ code: '000000' }) },
  disableTotp: { as: 'user', refused: () => ({ input: { totp: '000000' } }) },
  regenerateRecoveryCodes: { as: 'user', refused: () => ({}) },
  reauthenticate: { as: 'user', refused: () => ({ input: { password: 'not the password at all' } }) },
  // Starting a passkey ceremony takes no input, so no malformed case exists; a start writes its challenge.
  startPasskeyRegistration: { as: 'anonymous', refused: () => ({}) },
  startPasskeyReauthentication: { as: 'anonymous', refused: () => ({}) },
  startPasskeySignIn: { as: 'anonymous', refused: () => ({}) },
  // No challenge was started, so no answer can be accepted.
  finishPasskeyRegistration: { as: 'user', refused: () => ({ input: { name: 'laptop', response: '{}' } }), auditsRefusal: true },
  finishPasskeySignIn: { as: 'anonymous', refused: () => ({ input: { response: '{}' } }), auditsRefusal: true },
  renamePasskey: { as: 'user', refused: () => ({ input: { id: randomUUID(), name: 'laptop' } }) },
  removePasskey: { as: 'user', refused: () => ({ id: randomUUID() }) },
  // No device asked for a code: every user code is unknown (and wrong codes are rate limited).
  approveDevice: { as: 'user', refused: () => ({ input: { userCode: 'BCDF-GHJK' } }) },
  denyDevice: { as: 'user', refused: () => ({ input: { userCode: 'BCDF-GHJK' } }) },
};

/** Malformed values by the input's type; `tooLarge` ones must be refused with 413 before anything reads them. */
interface Malformed {
  readonly kind: string;
  readonly value: unknown;
  readonly tooLarge?: boolean;
}

const STRINGS: Malformed[] = [
  { kind: 'empty', value: '' },
  { kind: 'blank', value: '   \t ' },
  { kind: '50 KB', value: 'a'.repeat(50_000) },
  { kind: '1 MB', value: MEGABYTE, tooLarge: true },
  { kind: 'a NUL', value: 'a\u0000b' },
  { kind: 'control characters', value: 'a\u0007b\u001b[31mc\r\nd\u007f\u0085e' },
  { kind: 'a lone surrogate and a bidi override', value: 'x\uD800y\u202Ez' },
  { kind: 'SQL-shaped', value: "' OR '1'='1' --" },
  { kind: 'SQL-shaped (stacked)', value: "1; DROP TABLE users; --" },
  { kind: 'script-shaped', value: '<script>alert(document.cookie)</script>' },
  { kind: 'a number', value: 42 },
  { kind: 'a boolean', value: true },
  { kind: 'an object', value: { $ne: null } },
  { kind: 'a list', value: ['a', 'b'] },
];
const BY_TYPE: Record<string, Malformed[]> = {
  String: STRINGS,
  ID: STRINGS,
  Int: [
    { kind: 'a string', value: 'ten' }, { kind: 'a fraction', value: 1.5 }, { kind: 'a boolean', value: true },
    { kind: 'over 32 bits', value: 2 ** 31 }, { kind: 'negative', value: -1 }, { kind: 'an object', value: {} },
  ],
  Boolean: [{ kind: 'a string', value: 'true' }, { kind: 'a number', value: 1 }, { kind: 'an object', value: {} }],
  DateTime: [
    { kind: 'words', value: 'yesterday' }, { kind: 'an impossible date', value: '2020-13-45T99:00:00Z' },
    { kind: 'no time zone', value: '2020-01-01T00:00:00' }, { kind: 'a number', value: 0 }, { kind: 'empty', value: '' },
    // RFC 3339 (the scalar's @specifiedBy): seconds are required, and the calendar has the last word.
    { kind: 'no seconds', value: '2030-01-01T00:00Z' }, { kind: 'a day February lacks', value: '2031-02-29T00:00:00Z' },
    { kind: 'hour 24', value: '2030-01-01T24:00:00Z' },
  ],
};
const ENUM: Malformed[] = [{ kind: 'an unknown value', value: 'NOPE' }, { kind: 'lower case', value: 'live' }, { kind: 'a number', value: 1 }];
const LIST: Malformed[] = [
  { kind: 'a list holding null', value: [null] }, { kind: 'a list of numbers', value: [42] },
  { kind: '10 000 items', value: Array.from({ length: 10_000 }, (_, i) => `s${i}`) },
];
const OBJECT: Malformed[] = [{ kind: 'a string', value: 'x' }, { kind: 'a list', value: [] }, { kind: 'a number', value: 42 }];

interface Case {
  readonly mutation: string;
  /** Where the malformed value goes in the variables: `input.email`, `id`. */
  readonly path: string;
  readonly malformed: Malformed;
}

/** Every input leaf (and input object) of every mutation, with the malformed values of its type. */
function cases(): Case[] {
  const mutationType = buildSchema().getMutationType()!;
  const all: Case[] = [];
  const visit = (mutation: string, path: string, input: GraphQLArgument | GraphQLInputField) => {
    const values = malformedFor(input.type);
    for (const malformed of values) all.push({ mutation, path, malformed });
    if (isNonNullType(input.type)) all.push({ mutation, path, malformed: { kind: 'null', value: null } });
    const named = getNamedType(input.type);
    if (isInputObjectType(named) && !isListType(unwrapNonNull(input.type))) {
      for (const field of Object.values(named.getFields())) visit(mutation, `${path}.${field.name}`, field);
    }
  };
  for (const field of Object.values(mutationType.getFields())) {
    if (MUTATIONS[field.name] === undefined) continue; // the first test names it
    for (const arg of field.args) visit(field.name, arg.name, arg);
  }
  return all;
}

function unwrapNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}

function malformedFor(type: GraphQLInputType): Malformed[] {
  const inner = unwrapNonNull(type);
  if (isListType(inner)) return LIST;
  const named = getNamedType(inner);
  if (isInputObjectType(named)) return OBJECT;
  if (isEnumType(named)) return ENUM;
  const values = BY_TYPE[named.name];
  if (values === undefined) throw new Error(`No malformed values for the input type ${named.name}: add them to BY_TYPE.`);
  return values;
}

/** The operation for a mutation, with every argument as a variable of its own type. */
function operation(mutation: string, cases: MutationCases): string {
  const field = buildSchema().getMutationType()!.getFields()[mutation]!;
  const variables = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const errors = isUnionType(getNamedType(field.type)) ? '... on Error { code }' : '';
  return `mutation M${variables === '' ? '' : `(${variables})`} { ${mutation}${args === '' ? '' : `(${args})`} { __typename ${errors} ${cases.select ?? ''} } }`;
}

function spoil(variables: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(variables);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
  return copy;
}

/** What must never reach a client: SQL, a driver's words, a stack frame, a source path. */
const INTERNALS = /select .* from|insert into|Failed query|PGlite|postgres|\bat .*\(.*:\d+:\d+\)|\/src\/|node_modules|Unexpected error/i;

/** Audit events a refusal writes by design: a failed login is recorded. */
const REFUSAL_EVENTS = ['login.failed', 'login.throttled', 'totp.confirmation_failed', 'second_factor.failed', 'reauthenticate.failed'];

describe(`malformed input to every mutation (${ENGINE})`, () => {
  let app: TestApp;
  let fixture: Fixture;
  let tables: string[];
  let address = 0;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    fixture = { user: await signUpUser(app), admin: await signUpAdmin(app) };
    const rows = await app.database.rows<{ table_name: string }>(sql`
      select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`);
    tables = rows.map((row) => row.table_name);
  });
  afterAll(() => app.close());

  /** Rows in every table, but the audit events that refusals write by design. */
  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const filter = table === 'audit_events'
        ? sql` where type not in (${sql.join(REFUSAL_EVENTS.map((type) => sql`${type}`), sql`, `)})`
        : sql``;
      const [row] = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}${filter}`);
      counts[table] = row!.n;
    }
    return counts;
  }

  it('has cases for every mutation of the schema', () => {
    const mutations = Object.keys(buildSchema().getMutationType()!.getFields()).sort();
    expect(mutations.filter((name) => MUTATIONS[name] === undefined), 'add these mutations to MUTATIONS').toEqual([]);
    expect(Object.keys(MUTATIONS).filter((name) => !mutations.includes(name)), 'gone from the schema').toEqual([]);
    expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'refresh_tokens', 'audit_events']));
  });

  it.each(cases().map((c) => [c.mutation, c.path, c.malformed.kind, c] as const))(
    '%s: %s as %s is refused, with nothing written',
    async (mutation, path, _kind, { malformed }) => {
      const config = MUTATIONS[mutation]!;
      const baseline = (config.refusedWhenSpoiling?.[path] ?? config.refused)(fixture);
      const body = JSON.stringify({ query: operation(mutation, config), variables: spoil(baseline, path, malformed.value) });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${address >> 8}.${address++ & 255}` };
      if (config.as !== 'anonymous') headers.authorization = `Bearer ${fixture[config.as].accessToken}`;

      const before = await rowCounts();
      const response = await app.fetch('/graphql', { method: 'POST', headers, body });
      const text = await response.text();

      expect(response.status, text.slice(0, 300)).toBeLessThan(500);
      expect(text.slice(0, 2000)).not.toMatch(INTERNALS);
      if (malformed.tooLarge === true) {
        expect(response.status).toBe(413);
      } else if (response.status === 200) {
        const { data, errors } = JSON.parse(text) as { data?: Record<string, Record<string, unknown> | null> | null; errors?: { extensions?: { code?: string } }[] };
        if (errors !== undefined) {
          expect(errors.length).toBeGreaterThan(0);
        } else {
          const result = data![mutation]!;
          const refusal = config.isRefusal?.(result) ?? (typeof result.code === 'string' && String(result.__typename).endsWith('Error'));
          expect(refusal, `accepted: ${text.slice(0, 300)}`).toBe(true);
        }
      } else {
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
      const after = await rowCounts();
      if (config.auditsRefusal === true) {
        expect(after.audit_events! - before.audit_events!).toBeLessThanOrEqual(1);
        expect({ ...after, audit_events: 0 }).toEqual({ ...before, audit_events: 0 });
      } else {
        expect(after).toEqual(before);
      }
    },
  );
});
