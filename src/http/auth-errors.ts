import { GraphQLError } from 'graphql';

export type UnauthenticatedReason = 'expired' | 'revoked' | 'invalid';

const MESSAGES: Record<UnauthenticatedReason, string> = {
  expired: 'The access token has expired; refresh it.',
  revoked: 'The credential was revoked.',
  invalid: 'The credential is not valid.',
};

/**
 * A present but bad credential: HTTP 401 before any resolver runs (RFC 6750 §3.1). `challenge`: the
 * WWW-Authenticate value when it is not Bearer's (a DPoP one, RFC 9449 §7.1).
 */
export function unauthenticated(reason: UnauthenticatedReason, detail?: string, challenge = 'Bearer error="invalid_token"'): GraphQLError {
  return new GraphQLError(detail ?? MESSAGES[reason], {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason,
      http: { status: 401, headers: { 'WWW-Authenticate': challenge, 'Cache-Control': 'no-store' } },
    },
  });
}

/**
 * A DPoP-bound token refused (RFC 9449 §7.1): 401, `WWW-Authenticate: DPoP error=…, algs=…`, `extensions.error`
 * the RFC's code, and the server's nonce in `DPoP-Nonce` when one is wanted (§9).
 */
export function dpopUnauthenticated(error: string, description: string, challenge: string, nonce: string | null): GraphQLError {
  return new GraphQLError(description, {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason: 'invalid' satisfies UnauthenticatedReason,
      error,
      http: {
        status: 401,
        headers: { 'WWW-Authenticate': challenge, 'Cache-Control': 'no-store', ...(nonce === null ? {} : { 'DPoP-Nonce': nonce }) },
      },
    },
  });
}

/** A cookie-authenticated request from an origin that is not allowed (CSRF). */
export function forbiddenOrigin(): GraphQLError {
  return new GraphQLError('Requests authenticated by the session cookie must come from an allowed origin.', {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });
}

/** The database (or another store a credential needs) cannot answer: refuse rather than serve anonymously. */
export function unavailable(): GraphQLError {
  return new GraphQLError('The service cannot check credentials right now; try again shortly.', {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '5' } } },
  });
}
