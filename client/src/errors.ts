/**
 * Both of Latchkey's error channels as one typed value. Expected failures of a mutation are members of its
 * result union, in `data` (`kind: 'failure'`, `code` from the schema); a request refused before it ran, or
 * a query's bad argument, is a top-level GraphQL error with `extensions.code` (`kind: 'request'`); no answer
 * at all is `kind: 'network'`.
 */

import type { ErrorCode } from './gql/graphql.ts';

/** The codes of failures that arrive as union members in `data`: the schema's ErrorCode enum. */
export type FailureCode = ErrorCode;

/** Every ErrorCode at run time; the two checks below fail to compile when the schema gains or loses one. */
export const FAILURE_CODES = [
  'ACCOUNT_DISABLED', 'EMAIL_NOT_VERIFIED', 'EMAIL_TAKEN', 'INVALID_CREDENTIALS', 'INVALID_SECOND_FACTOR', 'INVALID_TOKEN', 'NOT_FOUND', 'OAUTH_ERROR',
  'RATE_LIMITED', 'REAUTHENTICATION_REQUIRED', 'SECOND_FACTOR_REQUIRED', 'SELF_ADMINISTRATION', 'TOTP_ALREADY_ENABLED', 'VALIDATION_FAILED',
] as const satisfies readonly ErrorCode[];
const everyErrorCodeListed: [Exclude<ErrorCode, (typeof FAILURE_CODES)[number]>] extends [never] ? true : never = true;
void everyErrorCodeListed;

/** The `extensions.code` of top-level errors that the server sends, and what the client adds. */
export const REQUEST_ERROR_CODES = [
  /** 401: a bad credential; `reason` says expired, revoked or invalid. */
  'UNAUTHENTICATED',
  /** 403: the credential may not do this (scope, role, or a cookie from an origin that is not allowed). */
  'FORBIDDEN',
  /** 429: over a rate limit; `retryAfterSeconds` says when to try again. */
  'RATE_LIMITED',
  /** A query's argument breaks a rule (queries have no result union). */
  'BAD_USER_INPUT',
  /** 400: the request itself is malformed. */
  'BAD_REQUEST',
  /** 400: more than one password, refresh token or code in one request. */
  'TOO_MANY_CREDENTIAL_CHECKS',
  /** 400: the operation is over one of the server's operation limits. */
  'TOKEN_LIMIT_EXCEEDED', 'DEPTH_LIMIT_EXCEEDED', 'ALIAS_LIMIT_EXCEEDED', 'DIRECTIVE_LIMIT_EXCEEDED', 'COST_LIMIT_EXCEEDED',
  /** 400: the document does not fit the schema (a client built against another version of it). */
  'GRAPHQL_VALIDATION_FAILED',
  /** 403 / 400: trusted documents only, or a document id the server does not know. */
  'TRUSTED_DOCUMENT_REQUIRED', 'UNKNOWN_DOCUMENT',
  /** 413 / 415: the body is too large, or not JSON. */
  'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
  /** 403: an admin operation while REQUIRE_ADMIN_MFA is on and the admin has no second factor yet. */
  'SECOND_FACTOR_ENROLMENT_REQUIRED',
  /** A sensitive operation without a union (rotateSigningKeys) needs a recent sign-in: call reauthenticate. */
  'REAUTHENTICATION_REQUIRED',
  /** 503 / 500: the server cannot answer now; `requestId` is what to quote to its operator. */
  'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR',
  /** A code this client does not know (a newer server): `rawCode` holds it. */
  'UNKNOWN',
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

export type UnauthenticatedReason = 'expired' | 'revoked' | 'invalid';

/** A union member of the result: what the user should be told (wrong password, address taken...). */
export interface Failure {
  readonly kind: 'failure';
  readonly code: FailureCode;
  readonly message: string;
  /** ValidationError: the input field to blame. */
  readonly field?: string | null;
  /** RateLimitedError: seconds to wait. */
  readonly retryAfterSeconds?: number;
}

/** A top-level error: the request was refused or failed before (or instead of) giving data. */
export interface RequestError {
  readonly kind: 'request';
  readonly code: RequestErrorCode;
  readonly message: string;
  /** The HTTP status of the response. */
  readonly status: number;
  /** UNAUTHENTICATED: why the credential was refused. */
  readonly reason?: UnauthenticatedReason;
  /** RATE_LIMITED: from the Retry-After header. */
  readonly retryAfterSeconds?: number;
  /** INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE: the id the server logged the cause under. */
  readonly requestId?: string;
  /** The code exactly as the server sent it. */
  readonly rawCode?: string;
}

/** No answer, or an answer that is not GraphQL (a proxy's HTML page). */
export interface NetworkError {
  readonly kind: 'network';
  readonly code: 'NETWORK_ERROR';
  readonly message: string;
  readonly status?: number;
}

export type LatchkeyError = Failure | RequestError | NetworkError;

/** Every `code` a LatchkeyError can have: switch over it, and TypeScript checks the switch is exhaustive. */
export type LatchkeyErrorCode = LatchkeyError['code'];

/** What every call of the client answers: the data, or one error from either channel. */
export type Result<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: LatchkeyError };

export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

const KNOWN: ReadonlySet<string> = new Set(REQUEST_ERROR_CODES);
const REASONS: ReadonlySet<string> = new Set(['expired', 'revoked', 'invalid']);

/** The first top-level error of a response, typed. */
export function requestError(error: GraphQLErrorBody, status: number, retryAfter: string | null): RequestError {
  const extensions = error.extensions ?? {};
  const raw = typeof extensions.code === 'string' ? extensions.code : 'UNKNOWN';
  const code = (KNOWN.has(raw) ? raw : 'UNKNOWN') as RequestErrorCode;
  const retry = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return {
    kind: 'request',
    code,
    message: error.message,
    status,
    ...(typeof extensions.reason === 'string' && REASONS.has(extensions.reason) ? { reason: extensions.reason as UnauthenticatedReason } : {}),
    ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
    ...(typeof extensions.requestId === 'string' ? { requestId: extensions.requestId } : {}),
    ...(code !== raw ? { rawCode: raw } : {}),
  };
}

/** A result union member that implements the schema's Error interface. */
export interface FailureMember {
  readonly __typename: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly field?: string | null;
  readonly retryAfterSeconds?: number;
}

export function isFailureMember(value: unknown): value is FailureMember {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
    && typeof (value as { message?: unknown }).message === 'string' && (value as { __typename?: unknown }).__typename !== undefined;
}

/** A union member's failure, typed. */
export function failure(member: FailureMember): Failure {
  return {
    kind: 'failure',
    code: member.code,
    message: member.message,
    ...(member.field !== undefined ? { field: member.field } : {}),
    ...(member.retryAfterSeconds !== undefined ? { retryAfterSeconds: member.retryAfterSeconds } : {}),
  };
}
