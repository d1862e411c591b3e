import { errorTypeMap } from '@pothos/plugin-errors';
import { getOperationAST, GraphQLError, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.ts';
import { CREDENTIAL_CHECKING_FIELDS } from '../http/credential-checks.ts';
import type { Metrics } from './metrics.ts';

/** Counts each executed operation by (bounded) name, type and outcome. */
export function useOperationMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const labels = { operation: metrics.operationLabel(args.operationName ?? operation?.name?.value), type: operation?.operation ?? 'unknown' };
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          metrics.graphqlOperations.inc({ ...labels, outcome: (result.errors?.length ?? 0) > 0 ? 'error' : 'ok' });
        },
      };
    },
  };
}

/**
 * Wraps the resolvers of the credential-checking mutations (login, signUp, refresh…: the list in
 * http/credential-checks.ts, so a new one is counted too) to count each by outcome: `ok`, or the code of
 * the expected error it answered (INVALID_CREDENTIALS, RATE_LIMITED…), or of the error it threw.
 */
export function countCredentialChecks(schema: GraphQLSchema, metrics: Metrics): GraphQLSchema {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const name of CREDENTIAL_CHECKING_FIELDS) {
    const field = fields[name];
    const resolve = field?.resolve;
    if (field === undefined || resolve === undefined) continue;
    field.resolve = async (...args) => {
      try {
        const result: unknown = await resolve(...args);
        // The errors plugin answers an expected error as a proxy of it, registered in errorTypeMap.
        const answered = result instanceof AppError || (typeof result === 'object' && result !== null && errorTypeMap.has(result));
        metrics.authAttempts.inc({ mutation: name, outcome: answered ? codeOf(result) : 'ok' });
        return result;
      } catch (error) {
        metrics.authAttempts.inc({ mutation: name, outcome: codeOf(error) });
        throw error;
      }
    };
  }
  return schema;
}

function codeOf(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions.code : (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'INTERNAL';
}
