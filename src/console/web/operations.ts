/**
 * Every operation the console sends, and nothing else: the server trusts exactly these documents for it
 * (src/console/documents.ts), so the console also works where TRUSTED_DOCUMENTS=only refuses query text.
 * Plain strings, no DOM: the server imports this file too.
 */

export const ME = 'query ConsoleMe { me { id email roles } }';

export const LOGOUT = 'mutation ConsoleLogout { logout { revokedSessions } }';

export const REAUTHENTICATE = `mutation ConsoleReauthenticate($input: ReauthenticateInput!) {
  reauthenticate(input: $input) { __typename ... on Error { code message } }
}`;

export const CLIENTS = `query ConsoleClients($after: String) {
  oauthClients(first: 50, after: $after) {
    edges { node { id clientId name public redirectUris scopes createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const CLIENT = `query ConsoleClient($clientId: String!, $after: String) {
  oauthClient(clientId: $clientId) {
    id clientId name public redirectUris postLogoutRedirectUris scopes grantTypes requirePar dpopBoundAccessTokens createdAt
    grants(first: 50, after: $after) {
      edges { node { userId user { id email } scopes offlineAccess createdAt lastUsedAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const UPDATE_CLIENT = `mutation ConsoleUpdateClient($input: UpdateOAuthClientInput!) {
  updateOAuthClient(input: $input) {
    __typename
    ... on OAuthClient { clientId }
    ... on ValidationError { field }
    ... on Error { code message }
  }
}`;

export const REVOKE_GRANT = `mutation ConsoleRevokeUserGrant($userId: ID!, $clientId: String!) {
  revokeUserOAuthGrant(userId: $userId, clientId: $clientId) {
    __typename ... on RevokeOAuthGrantPayload { revokedSessions } ... on Error { code message }
  }
}`;

export const REGISTER = `mutation ConsoleRegisterClient($input: RegisterOAuthClientInput!) {
  registerOAuthClient(input: $input) {
    __typename
    ... on RegisterOAuthClientPayload { clientSecret client { clientId name } }
    ... on ValidationError { field }
    ... on Error { code message }
  }
}`;

export const EVENTS = `query ConsoleAudit($first: Int!, $after: String, $type: String, $userId: ID, $since: DateTime, $actorUserId: ID, $targetId: ID) {
  auditEvents(first: $first, after: $after, type: $type, userId: $userId, since: $since, actorUserId: $actorUserId, targetId: $targetId) {
    edges { node { id type at userId ip userAgent detail actor { userId apiKeyId } target { type id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const KEY = `query ConsoleKey($id: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
  apiKey(id: $id) {
    id name start environment scopes createdAt expiresAt lastUsedAt revokedAt
    rateLimit { limit windowSeconds }
    owner { id email }
    grantableScopes { name description }
    usage(from: $from, to: $to, granularity: $granularity) { start requests rateLimited errors }
  }
}`;

export const UPDATE_KEY = `mutation ConsoleUpdateKey($input: UpdateApiKeyInput!) {
  updateApiKey(input: $input) {
    __typename
    ... on ApiKey { id }
    ... on ValidationError { field }
    ... on Error { code message }
  }
}`;

export const REVOKE = `mutation ConsoleRevokeKey($id: ID!) {
  revokeApiKey(id: $id) { __typename ... on ApiKey { revokedAt } ... on Error { code message } }
}`;

export const ROLL = `mutation ConsoleRollKey($id: ID!, $overlapSeconds: Int) {
  rollApiKey(id: $id, overlapSeconds: $overlapSeconds) {
    __typename ... on CreateApiKeyPayload { secret apiKey { start } } ... on Error { code message }
  }
}`;

export const ALL_KEYS_USAGE = `query ConsoleAllKeysUsage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
  apiKeyUsageSeries(from: $from, to: $to, granularity: $granularity, fillEmpty: true) {
    from to buckets { start requests rateLimited errors revoked expired unknown }
  }
}`;

export const SIGN_INS = `query ConsoleSignIns($type: String!) {
  auditEvents(type: $type, first: 100) { edges { node { id at userId ip detail } } pageInfo { hasNextPage } }
}`;

export const LOGIN = `mutation ConsoleLogin($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on SecondFactorRequired { challenge methods }
    ... on RateLimitedError { retryAfterSeconds }
    ... on Error { code message }
  }
}`;

export const VERIFY = `mutation ConsoleVerifySecondFactor($input: VerifySecondFactorInput!) {
  verifySecondFactor(input: $input) { __typename ... on Error { code message } }
}`;

export const KEYS = 'query ConsoleSigningKeys { signingKeys { kid algorithm current createdAt retiredAt } }';

export const ROTATE = `mutation ConsoleRotateSigningKeys($input: RotateSigningKeysInput) {
  rotateSigningKeys(input: $input) { keys { kid } }
}`;

export const TOP = `query ConsoleTopKeys($from: DateTime!, $to: DateTime!, $limit: Int!) {
  topApiKeys(from: $from, to: $to, limit: $limit) {
    requests rateLimited errors
    apiKey { id name start revokedAt owner { id email } }
  }
}`;

export const SEARCH = `query ConsoleUsers($emailContains: String, $after: String) {
  users(first: 50, after: $after, emailContains: $emailContains) {
    edges { node { id email roles createdAt disabledAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const USER = `query ConsoleUser($id: ID!) {
  user(id: $id) {
    id email name roles emailVerified createdAt disabledAt
    identities { provider subject email linkedAt }
    secondFactors { methods totpEnabledAt recoveryCodesLeft }
    sessions(first: 50) { edges { node { id createdAt lastUsedAt expiresAt ip userAgent } } }
    apiKeys(first: 50, includeRevoked: true) { edges { node { id name start scopes lastUsedAt revokedAt } } }
  }
}`;

export const REVOKE_SESSION = `mutation ConsoleRevokeUserSession($userId: ID!, $sessionId: ID!) {
  revokeUserSession(userId: $userId, sessionId: $sessionId) { __typename ... on Error { code message } }
}`;

export const REVOKE_ALL = 'mutation ConsoleRevokeUserSessions($id: ID!) { revokeUserSessions(id: $id) { __typename ... on Error { code message } } }';

export const DISABLE = 'mutation ConsoleDisableUser($id: ID!) { disableUser(id: $id) { __typename ... on Error { code message } } }';

export const ENABLE = 'mutation ConsoleEnableUser($id: ID!) { enableUser(id: $id) { __typename ... on Error { code message } } }';

export const SET_ROLES = 'mutation ConsoleSetRoles($input: SetUserRolesInput!) { setUserRoles(input: $input) { __typename ... on Error { code message } } }';

export const DELETE = 'mutation ConsoleDeleteUser($id: ID!) { deleteUser(id: $id) { __typename ... on Error { code message } } }';

export const DELETE_CLIENT = `mutation ConsoleDeleteClient($clientId: String!) {
  deleteOAuthClient(clientId: $clientId) { __typename ... on DeleteOAuthClientPayload { revokedGrants } ... on Error { code message } }
}`;

export const ROTATE_CLIENT_SECRET = `mutation ConsoleRotateClientSecret($clientId: String!) {
  rotateOAuthClientSecret(clientId: $clientId) {
    __typename ... on RotateOAuthClientSecretPayload { clientSecret } ... on Error { code message }
  }
}`;
