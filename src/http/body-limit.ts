import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type FetchAPI = { Request: typeof Request; TransformStream: typeof TransformStream };

/**
 * Refuses a request body over `maxBytes` with 413, on every path: before reading it when its Content-Length
 * says so, and, for a body sent without one (chunked), as soon as the bytes read pass the limit. A
 * Content-Length that is not a number is a 400.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, setRequest, endResponse, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) endResponse(refusal(400, 'BAD_REQUEST', 'The Content-Length header is not a number.'));
        else if (Number(length) > maxBytes) endResponse(refusal(413, 'PAYLOAD_TOO_LARGE', tooLargeMessage(maxBytes)));
        return;
      }
      if (request.body !== null) setRequest(withLimitedBody(request, maxBytes, fetchAPI as unknown as FetchAPI));
    },
  };
}

/**
 * The same request, whose body stream fails with a GraphQL error that Yoga's parsers pass on as it is
 * (413) when more than `maxBytes` came. Past the limit the rest is read and dropped, and the error comes
 * at its end: failing at once would cancel the request, and Node would reset the connection while the
 * client is still sending, so that it sees the reset instead of the 413. The server's request timeout
 * bounds how long that takes. The stream classes must match the body's own (native or @whatwg-node's),
 * as in Yoga's own limit.
 */
function withLimitedBody(request: Request, maxBytes: number, fetchAPI: FetchAPI): Request {
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const body = request.body!.pipeThrough(new Transform<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      read += chunk.byteLength;
      if (read <= maxBytes) controller.enqueue(chunk);
    },
    flush(controller) {
      if (read > maxBytes) {
        controller.error(new GraphQLError(tooLargeMessage(maxBytes), { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } } }));
      }
    },
  }));
  const init = { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' };
  return new fetchAPI.Request(request.url, init as RequestInit);
}

const tooLargeMessage = (maxBytes: number) => `The request body is over ${maxBytes} bytes.`;

/**
 * No `Connection: close`: closing while a client is still uploading resets the connection, and the client
 * then sees the reset instead of this answer. Node reads the rest of the body and discards it (bounded by
 * the server's request timeout); a client that sent `Expect: 100-continue` sends none (src/http/server.ts).
 */
function refusal(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ message, extensions: { code } }] }, { status });
}
