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
 * The same request, whose body stream fails once more than `maxBytes` have come, with a GraphQL error
 * that Yoga's parsers pass on as it is (413). The stream classes must match the body's own (native or
 * @whatwg-node's), as in Yoga's own limit.
 */
function withLimitedBody(request: Request, maxBytes: number, fetchAPI: FetchAPI): Request {
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const body = request.body!.pipeThrough(new Transform<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      read += chunk.byteLength;
      if (read > maxBytes) {
        controller.error(new GraphQLError(tooLargeMessage(maxBytes), {
          extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413, headers: { connection: 'close' } } },
        }));
      } else {
        controller.enqueue(chunk);
      }
    },
  }));
  const init = { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' };
  return new fetchAPI.Request(request.url, init as RequestInit);
}

const tooLargeMessage = (maxBytes: number) => `The request body is over ${maxBytes} bytes.`;

function refusal(status: number, code: string, message: string): Response {
  // Connection: close, so that a client still sending is not read to its end.
  return Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers: { connection: 'close' } });
}
