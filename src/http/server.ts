import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { MAX_BODY_BYTES } from './plugins.ts';

/**
 * The HTTP server of the app. A request sent with `Expect: 100-continue` is invited to send its body
 * only when its Content-Length is within the limit; else it gets the 413 straight away (RFC 9110
 * §10.1.1), so a client such as curl never uploads what will be refused.
 */
export function createHttpServer(handler: RequestListener): Server {
  const server = createServer(handler);
  server.on('checkContinue', (request: IncomingMessage, response) => {
    if (bodyWelcome(request)) response.writeContinue();
    handler(request, response);
  });
  return server;
}

function bodyWelcome(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return length === undefined || (/^\d+$/.test(length) && Number(length) <= MAX_BODY_BYTES);
}
