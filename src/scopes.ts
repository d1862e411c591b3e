/**
 * Every scope a credential can hold, defined once. First-party sign-ins (a login, a cookie) hold
 * FIRST_PARTY_SCOPES; third-party tokens and API keys hold what they were granted, never more than
 * their owner may do.
 */
export const SCOPES = {
  openid: 'Sign the user in (OpenID Connect).',
  profile: 'Read the user\'s name and profile.',
  email: 'Read the user\'s email address.',
  'sessions:manage': 'List and end the user\'s sessions, change the password.',
  'apikeys:manage': 'Create, roll and revoke the user\'s API keys and read their usage.',
  'apikeys:verify': 'Check API keys handed to another service (verifyApiKey).',
  admin: 'Act as an administrator: only for keys of accounts holding the role admin.',
} as const;

export type Scope = keyof typeof SCOPES;

/** What a user's own sign-in may do; `admin` is added for accounts holding that role. */
export const FIRST_PARTY_SCOPES: readonly Scope[] = Object.freeze(
  (Object.keys(SCOPES) as Scope[]).filter((scope) => scope !== 'admin'),
);

/** What a user may hand on to an API key. */
export function grantableScopes(roles: readonly string[]): readonly Scope[] {
  return roles.includes('admin') ? [...FIRST_PARTY_SCOPES, 'admin'] : FIRST_PARTY_SCOPES;
}

/** The `client_id` of tokens that Latchkey issues to its own users, as RFC 9068 requires one. */
export const FIRST_PARTY_CLIENT_ID = 'latchkey';
