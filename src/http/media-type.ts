import type { Plugin } from 'graphql-yoga';

/**
 * A POST that no request parser reads (JSON, application/graphql and url-encoded forms are read) gets
 * 415 with a GraphQL error saying what to send, instead of Yoga's empty 415.
 */
export function useSupportedMediaTypes(): Plugin {
  return {
    onRequestParse({ request, requestParser, endResponse }) {
      if (requestParser !== undefined || request.method !== 'POST') return;
      endResponse(Response.json({
        errors: [{
          message: 'Send the operation as application/json (or application/graphql).',
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
        }],
      }, { status: 415, headers: { 'accept-post': 'application/json, application/graphql' } }));
    },
  };
}
