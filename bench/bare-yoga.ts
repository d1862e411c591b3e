/**
 * The bare graphql-yoga server that bench/run.ts measures Latchkey against, as a child process:
 *   PORT=4100 tsx bench/bare-yoga.ts
 */
import { createServer } from 'node:http';
import { createBareYoga } from './bare-schema.ts';

const server = createServer(createBareYoga());
server.listen(Number(process.env.PORT ?? 4100), '127.0.0.1');
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
