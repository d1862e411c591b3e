/**
 * The ceiling: a plain node:http server that reads the JSON body, parses it, and answers the same JSON as
 * bare Yoga does for the user query, with no GraphQL at all. What no GraphQL server on this machine can beat:
 *   PORT=4101 tsx bench/plain-http.ts
 */
import { createServer } from 'node:http';
import { BARE_USER } from './queries.ts';

const ANSWER = JSON.stringify({ data: { viewer: { user: BARE_USER } } });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let ok = false;
    try {
      ok = typeof JSON.parse(Buffer.concat(chunks).toString()).query === 'string';
    } catch {
      ok = false;
    }
    response.writeHead(ok ? 200 : 400, { 'content-type': 'application/json; charset=utf-8', 'content-length': ok ? Buffer.byteLength(ANSWER) : 2 });
    response.end(ok ? ANSWER : '{}');
  });
});
server.listen(Number(process.env.PORT ?? 4101), '127.0.0.1');
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
