import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Refuses request bodies over `maxBytes` (by Content-Length; Yoga reads no body it was not told the size of past it). */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        throw createGraphQLError(`The request body is over ${maxBytes} bytes.`, {
          extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } },
        });
      }
    },
  };
}
