import type { Plugin } from 'graphql-yoga';

/** Refuses, with 413 and before reading it, a request body whose Content-Length is over `maxBytes`. */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        endResponse(Response.json(
          { errors: [{ message: `The request body is over ${maxBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
          { status: 413 },
        ));
      }
    },
  };
}
