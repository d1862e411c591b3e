/**
 * Every scope a credential can hold, defined once. First-party sign-ins (a login, a cookie) hold
 * FIRST_PARTY_SCOPES; third-party tokens and API keys hold what they were granted.
 */
export const SCOPES = {
  openid: 'Sign the user in (OpenID Connect).',
  profile: 'Read the user\'s name and profile.',
  email: 'Read the user\'s email address.',
  'sessions:manage': 'List and end the user\'s sessions, change the password.',
  'apikeys:manage': 'Create, roll and revoke the user\'s API keys and read their usage.',
  'apikeys:verify': 'Check API keys handed to another service.',
} as const;

export type Scope = keyof typeof SCOPES;

export const FIRST_PARTY_SCOPES: readonly Scope[] = Object.freeze(Object.keys(SCOPES) as Scope[]);

/** The `client_id` of tokens that Latchkey issues to its own users, as RFC 9068 requires one. */
export const FIRST_PARTY_CLIENT_ID = 'latchkey';
