import { OAUTH_SCOPES } from './clients.ts';
import { ACR_VALUES_SUPPORTED } from '../factors/acr.ts';
import { DPOP_SIGNING_ALGS } from './dpop-proof.ts';

/**
 * The authorization server's metadata (RFC 8414), which is also the OpenID Provider metadata (OpenID
 * Connect Discovery 1.0 §3): both well-known paths serve this same document.
 */
export function serverMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    scopes_supported: [...OAUTH_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    // RFC 9126 §5: PAR is offered to every client; clients registered with requirePar must use it.
    pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
    require_pushed_authorization_requests: false,
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'at_hash', 'amr', 'acr', 'email', 'email_verified', 'name', 'preferred_username'],
    authorization_response_iss_parameter_supported: true,
    // OpenID Connect "prompt=create" §4.1 defines this member; the values are those of Core §3.1.2.1.
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    // RFC 9449 §5.1: DPoP proofs are accepted at the token endpoint, /graphql and userinfo with these algorithms.
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
  };
}
