import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A NUL in the document itself, or written as an escape in a string literal (`\u0000`, `\u{0}`). */
const NUL_IN_DOCUMENT = /\u0000|\\u(?:0000|\{0+\})/i;

/**
 * Refuses, with 400 before anything runs, text holding U+0000: PostgreSQL can store no NUL in text, so
 * such a value could only fail deeper down, as a 500, whichever field it reaches.
 */
export function useNoNulCharacters(): Plugin {
  return {
    onParams({ params }) {
      if ((typeof params.query === 'string' && NUL_IN_DOCUMENT.test(params.query)) || holdsNul(params.variables)) {
        throw new GraphQLError('Text may not contain the NUL character (U+0000).', {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
    },
  };
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || holdsNul(inner));
  }
  return false;
}
