/**
 * Every event type the server writes, by its enum name (AuditEventType). The string `type` stays the
 * stored truth; a type missing here (a newer server's) reads as OTHER.
 */
export const AUDIT_EVENT_TYPES = {
  USER_SIGNED_UP: ['user.signed_up', 'An account was made.'],
  LOGIN_SUCCEEDED: ['login.succeeded', 'A password sign-in passed.'],
  LOGIN_FAILED: ['login.failed', 'A wrong email or password; userId is the attacked account when the email has one.'],
  LOGIN_THROTTLED: ['login.throttled', 'A sign-in refused by the attempt throttle.'],
  LOGIN_UNVERIFIED: ['login.unverified', 'A right password for an account whose address is not verified yet.'],
  LOGIN_DISABLED: ['login.disabled', 'A right password for a disabled account.'],
  LOGIN_SECOND_FACTOR_REQUIRED: ['login.second_factor_required', 'A right password; the second factor is asked next.'],
  SECOND_FACTOR_SUCCEEDED: ['second_factor.succeeded', 'A second-factor code passed.'],
  SECOND_FACTOR_FAILED: ['second_factor.failed', 'A wrong second-factor code.'],
  REAUTHENTICATE_FAILED: ['reauthenticate.failed', 'A failed re-verification.'],
  LOGOUT: ['logout', 'Sessions ended by their user.'],
  SESSION_REVOKED: ['session.revoked', 'A session ended by its user, or by an admin (revokeUserSession).'],
  REFRESH_REUSE_DETECTED: ['refresh.reuse_detected', 'A spent refresh token was presented again: its session was ended.'],
  PASSWORD_CHANGED: ['password.changed', 'The password was changed.'],
  PASSWORD_RESET_REQUESTED: ['password.reset_requested', 'A reset link was asked for.'],
  PASSWORD_RESET: ['password.reset', 'The password was reset with a link.'],
  EMAIL_VERIFICATION_REQUESTED: ['email.verification_requested', 'A verification link was asked for.'],
  EMAIL_VERIFIED: ['email.verified', 'The address was verified.'],
  EMAIL_CHANGE_REQUESTED: ['email.change_requested', 'A change of the sign-in address was asked for; a link went to the new address (metadata: from and to).'],
  EMAIL_CHANGED: ['email.changed', 'The sign-in address was changed with the mailed link (metadata: from, to, revokedSessions).'],
  EMAIL_CHANGE_FAILED: ['email.change_failed', 'An email change was refused: the new address belongs to another account (metadata: reason, stage).'],
  TOTP_ENROLMENT_STARTED: ['totp.enrolment_started', 'An authenticator app enrolment began.'],
  TOTP_ENABLED: ['totp.enabled', 'An authenticator app was confirmed.'],
  TOTP_CONFIRMATION_FAILED: ['totp.confirmation_failed', 'A wrong code while confirming an authenticator app.'],
  TOTP_DISABLED: ['totp.disabled', 'Second factors were removed.'],
  RECOVERY_CODES_REGENERATED: ['recovery_codes.regenerated', 'New recovery codes were made.'],
  API_KEY_CREATED: ['api_key.created', 'An API key was made.'],
  API_KEY_UPDATED: ['api_key.updated', 'An API key\'s settings changed (metadata: before and after).'],
  API_KEY_ROLLED: ['api_key.rolled', 'An API key got a new secret.'],
  API_KEY_REVOKED: ['api_key.revoked', 'An API key was revoked.'],
  API_KEY_RATE_LIMITED: ['api_key.rate_limited', 'An API key went over its rate limit (sampled: one a key a minute).'],
  OAUTH_CLIENT_REGISTERED: ['oauth.client_registered', 'An OAuth client was registered.'],
  OAUTH_CLIENT_UPDATED: ['oauth.client_updated', 'An OAuth client\'s settings changed.'],
  OAUTH_CLIENT_DELETED: ['oauth.client_deleted', 'An OAuth client was deleted, and its grants ended.'],
  OAUTH_CLIENT_SECRET_ROTATED: ['oauth.client_secret_rotated', 'An OAuth client got a new secret.'],
  OAUTH_GRANT_GIVEN: ['oauth.grant_given', 'A user let an app into their account.'],
  OAUTH_GRANT_REVOKED: ['oauth.grant_revoked', 'A user, or an admin (revokeUserOAuthGrant), ended an app\'s access.'],
  OAUTH_CODE_REPLAYED: ['oauth.code_replayed', 'A spent authorization code was presented again: what it issued was revoked.'],
  SOCIAL_SIGNED_IN: ['social.signed_in', 'A sign-in through an upstream provider.'],
  SOCIAL_LINKED: ['social.linked', 'An upstream identity was linked.'],
  SOCIAL_UNLINKED: ['social.unlinked', 'An upstream identity was unlinked.'],
  SOCIAL_REFUSED: ['social.refused', 'An upstream sign-in was refused.'],
  SIGNING_KEYS_ROTATED: ['signing_keys.rotated', 'The token signing keys were rotated.'],
  USER_DISABLED: ['user.disabled', 'An admin disabled an account.'],
  USER_ENABLED: ['user.enabled', 'An admin enabled an account again.'],
  USER_ROLES_CHANGED: ['user.roles_changed', 'An admin changed an account\'s roles (metadata: from and to).'],
  USER_SESSIONS_REVOKED: ['user.sessions_revoked', 'An admin ended every session of an account.'],
  USER_DELETED: ['user.deleted', 'An admin deleted an account.'],
} as const satisfies Record<string, readonly [string, string]>;

export type AuditEventTypeName = keyof typeof AUDIT_EVENT_TYPES | 'OTHER';

const BY_TYPE = new Map<string, AuditEventTypeName>(
  Object.entries(AUDIT_EVENT_TYPES).map(([name, [type]]) => [type, name as AuditEventTypeName]),
);

/** The enum name of a stored type, OTHER when it has none. */
export function eventTypeName(type: string): AuditEventTypeName {
  return BY_TYPE.get(type) ?? 'OTHER';
}

/** The stored type of an enum name. */
export function storedType(name: keyof typeof AUDIT_EVENT_TYPES): string {
  return AUDIT_EVENT_TYPES[name][0];
}
