import { GraphQLError } from 'graphql';

export type UnauthenticatedReason = 'expired' | 'revoked' | 'invalid';

const MESSAGES: Record<UnauthenticatedReason, string> = {
  expired: 'The access token has expired; refresh it.',
  revoked: 'The credential was revoked.',
  invalid: 'The credential is not valid.',
};

/** A present but bad credential: HTTP 401 before any resolver runs (RFC 6750 §3.1). */
export function unauthenticated(reason: UnauthenticatedReason, detail?: string): GraphQLError {
  return new GraphQLError(detail ?? MESSAGES[reason], {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason,
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Cache-Control': 'no-store' } },
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
