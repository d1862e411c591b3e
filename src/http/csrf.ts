import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Content types a browser sends cross-site without a CORS preflight (a form, a simple fetch). */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Yoga's CSRF prevention with a stable code: a request a browser could send cross-site without a
 * preflight (a GET, or a body of a simple content type) must carry one of `headers`, which only a
 * preflighted request can. Refused with 403 and `extensions.code` `CSRF_HEADER_REQUIRED`.
 */
export function useCsrfPrevention(headers: readonly string[]): Plugin {
  return {
    onRequestParse({ request }) {
      const type = request.headers.get('content-type')?.toLowerCase();
      if (type && !SIMPLE_CONTENT_TYPES.some((simple) => type.startsWith(simple))) return;
      if (headers.some((header) => request.headers.has(header))) return;
      throw new GraphQLError(`Required CSRF header(s) not present: send one of ${headers.join(', ')}.`, {
        extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } },
      });
    },
  };
}
