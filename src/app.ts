import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { buildContext, type Context, type ServerContext } from './context.ts';
import type { Database } from './db/client.ts';
import { buildSchema } from './graphql/schema.ts';
import { corsPolicy } from './http/cors.ts';
import { plugins } from './http/plugins.ts';
import { createServices, type Services } from './services.ts';

export interface App {
  readonly yoga: YogaServerInstance<ServerContext, Context>;
  readonly services: Services;
  /** Stops background work; the caller closes the database it opened. */
  close(): Promise<void>;
}

/** Builds the app on an open, migrated database. It never listens: main.ts and the tests do. */
export async function createApp(config: Config, database: Database, logger: Logger): Promise<App> {
  const services = await createServices(config, database, logger);
  const yoga = createYoga<ServerContext, Context>({
    schema: buildSchema(),
    context: (initial) => buildContext(services, initial),
    plugins: plugins(services),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: !config.production,
    batching: { limit: 10 },
    cors: corsPolicy(config),
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    maskedErrors: {
      maskError: (error) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) return error;
        const errorId = randomUUID();
        logger.error({ err: original ?? error, errorId }, 'unexpected error');
        return new GraphQLError('Unexpected error.', {
          ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
          extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
        });
      },
    },
  });
  return {
    yoga,
    services,
    close: async () => {
      services.revokedSessions.stop();
    },
  };
}
