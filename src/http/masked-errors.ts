import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { AccountDisabledError } from '../errors.ts';
import { requestIdOf } from './request-id.ts';

/** Each masked error and what it hides, until it is logged with its request's id. */
const hidden = new WeakMap<GraphQLError, unknown>();

/**
 * Yoga's `maskError`. A GraphQLError made on purpose passes (less any echo of a parser's message); anything
 * else is unexpected and becomes "Unexpected error." (INTERNAL_SERVER_ERROR), or, when the database cannot
 * be reached, SERVICE_UNAVAILABLE with 503. No message, stack or SQL of the original leaves the process.
 */
export function maskError(error: unknown): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
    return error.extensions.originalError === undefined ? error : withoutEcho(error);
  }
  const located = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
  // A sign-in path whose union has no AccountDisabledError (signIn refuses a disabled account on every path).
  if (original instanceof AccountDisabledError) {
    return new GraphQLError(original.message, { ...located, extensions: { code: original.code, http: { status: 403 } } });
  }
  const masked = isDatabaseUnavailable(original)
    ? new GraphQLError('The service cannot reach its database right now; try again shortly.', {
      ...located,
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '5' } } },
    })
    : new GraphQLError('Unexpected error.', { ...located, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  hidden.set(masked, original ?? error);
  return masked;
}

/** Codes of errors that the operator must look into: the client gets the request id to quote. */
const WITH_REQUEST_ID: ReadonlySet<unknown> = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);

/**
 * The last step: every masked error (and every 503) carries the request's id in `extensions.requestId`, the
 * X-Request-Id of the response, and the log has what a masked error hid under the same id.
 */
export function useMaskedErrors(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result }) {
      if (Symbol.asyncIterator in result) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of one.errors ?? []) {
          if (!WITH_REQUEST_ID.has(error.extensions.code)) continue;
          const requestId = requestIdOf(request);
          (error.extensions as Record<string, unknown>).requestId = requestId;
          if (!hidden.has(error as GraphQLError)) continue;
          logger.error({ err: hidden.get(error as GraphQLError), requestId, path: error.path?.join('.') }, 'unexpected error');
          hidden.delete(error as GraphQLError);
        }
      }
    },
  };
}

/**
 * Yoga's refusal of a malformed body quotes the JSON parser (and so the body) in `extensions.originalError`:
 * the same error without it, and a 400 whatever the client accepts, as Yoga gives it with the quote.
 */
function withoutEcho(error: GraphQLError): GraphQLError {
  const { originalError: _echo, http, ...extensions } = error.extensions as Record<string, unknown> & { http?: { status?: number } };
  return new GraphQLError(error.message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
    extensions: { ...extensions, http: { status: http?.status ?? 400 } },
  });
}
