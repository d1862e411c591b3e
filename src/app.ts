import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { CONSOLE_DOCUMENTS } from './console/documents.ts';
import { buildContext, type Context, type ServerContext } from './context.ts';
import type { Database } from './db/client.ts';
import { buildSchema } from './graphql/schema.ts';
import { corsPolicy } from './http/cors.ts';
import { renderOfflineGraphiQL } from './http/graphiql.ts';
import { countCredentialChecks } from './observability/graphql-metrics.ts';
import { maskError } from './http/masked-errors.ts';
import { plugins } from './http/plugins.ts';
import { loadTrustedDocuments } from './http/trusted-documents.ts';
import { createServices, type Services } from './services.ts';

export interface App {
  readonly yoga: YogaServerInstance<ServerContext, Context>;
  readonly services: Services;
  /** Stops background work; the caller closes the database it opened. */
  close(): Promise<void>;
}

/** Builds the app on an open, migrated database. It never listens: main.ts and the tests do. */
export async function createApp(config: Config, database: Database, logger: Logger): Promise<App> {
  const schema = buildSchema();
  const trustedDocuments = loadTrustedDocuments(config.trustedDocuments.files, schema, config.adminConsole ? { 'the admin console': CONSOLE_DOCUMENTS } : {});
  const services = await createServices(config, database, logger);
  const yoga = createYoga<ServerContext, Context>({
    schema: countCredentialChecks(schema, services.metrics),
    context: (initial) => buildContext(services, initial),
    plugins: plugins(services, trustedDocuments),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: !config.production,
    renderGraphiQL: renderOfflineGraphiQL,
    batching: { limit: 10 },
    // useBodyLimit (src/http/body-limit.ts) holds bodies to 100 KB on every path; no file uploads.
    maxRequestBodySize: false,
    multipart: false,
    cors: corsPolicy(config),
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      // Yoga logs each error it masks without the request id; useMaskedErrors logs it with the id.
      error: (...args) => (args[0] instanceof Error ? logger.debug : logger.error).call(logger, args.map(String).join(' ')),
    },
    maskedErrors: { maskError },
  });
  return {
    yoga,
    services,
    close: async () => {
      services.revokedSessions.stop();
      services.keys.stop();
      await services.janitor.stop();
      await services.mail.close();
      await services.usage.close();
      await services.rateLimiter.close();
      services.redis?.disconnect();
    },
  };
}
