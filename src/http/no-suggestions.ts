import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean .*\?$/s;

/**
 * Production answers `Cannot query field "emial"` without `Did you mean "email"?`: suggestions would
 * reveal the schema that introspection, off in production, keeps to itself (OWASP GraphQL).
 */
export function useNoSuggestions(): Plugin {
  return {
    onResultProcess({ result }) {
      if (Symbol.asyncIterator in result) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of one.errors ?? []) {
          if (SUGGESTION.test(error.message)) error.message = error.message.replace(SUGGESTION, '');
        }
      }
    },
  };
}
