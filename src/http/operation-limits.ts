import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { costLimitRule } from './query-cost.ts';

/**
 * DESIGN §4 "GraphQL limits" (OWASP GraphQL, graphql-armor). Cost is armor's estimate (objects 2, scalars 1,
 * ×1.5 a level, × `first`) with fixed costs for usage fields (query-cost.ts): a full page of 100 audit
 * events costs about 3 700. The cost limit is GRAPHQL_MAX_COST (config.ts); this is its default.
 */
export const OPERATION_LIMITS = Object.freeze({ tokens: 2000, depth: 12, aliases: 15, directives: 20, cost: 5000 });

/** The stable `extensions.code` of each refusal. */
export const LIMIT_CODES = Object.freeze({
  tokens: 'TOKEN_LIMIT_EXCEEDED',
  depth: 'DEPTH_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  directives: 'DIRECTIVE_LIMIT_EXCEEDED',
  cost: 'COST_LIMIT_EXCEEDED',
});

const CODES: ReadonlySet<string> = new Set(Object.values(LIMIT_CODES));

/**
 * Refuses an operation over a limit before it runs: HTTP 400 and a GraphQL error with one of LIMIT_CODES.
 * Tokens are counted while parsing (a huge document is never built), the rest while validating.
 */
export function useOperationLimits(limits: Readonly<Record<keyof typeof OPERATION_LIMITS, number>> = OPERATION_LIMITS): Plugin[] {
  const refuse = (code: string) => ({ onReject: [refusal(code)], propagateOnRejection: false });
  return [
    maxTokensPlugin({ n: limits.tokens, ...refuse(LIMIT_CODES.tokens) }),
    maxDepthPlugin({ n: limits.depth, ...refuse(LIMIT_CODES.depth) }),
    maxAliasesPlugin({ n: limits.aliases, ...refuse(LIMIT_CODES.aliases) }),
    maxDirectivesPlugin({ n: limits.directives, ...refuse(LIMIT_CODES.directives) }),
    { onValidate: ({ addValidationRule }) => addValidationRule(costLimitRule(limits.cost, refusal(LIMIT_CODES.cost))) },
    useRefusalStatus(),
  ] as Plugin[];
}

/** Armor's reject callback: our code instead of armor's "Syntax Error:" prefix, reported or (while parsing) thrown. */
function refusal(code: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const refused = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code, http: { status: 400 } } });
    if (context === null) throw refused;
    context.reportError(refused);
  };
}

/**
 * Yoga marks parse and validation errors as the GraphQL-over-HTTP spec's (`http.spec`), which an
 * `application/json` client gets with 200. A refusal of an over-limit operation is no ordinary
 * validation error: it is a 400 whatever the client accepts.
 */
function useRefusalStatus(): Plugin {
  return {
    onResultProcess({ result }) {
      if (Symbol.asyncIterator in result) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of one.errors ?? []) {
          if (typeof error.extensions.code === 'string' && CODES.has(error.extensions.code)) {
            (error.extensions as Record<string, unknown>).http = { status: 400 };
          }
        }
      }
    },
  };
}
