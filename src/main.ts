import { loadConfig, type Config } from './config.ts';
import { stopOnSignals } from './runtime/shutdown.ts';

/**
 * Start-up: config → database → migrations → app → listen; SIGTERM or SIGINT drains and exits 0 (runtime/shutdown.ts). Anything that
 * stops start-up is one line on stderr and exit code 1, never a stack trace.
 */
async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) return exitWith(loaded.problems.map((problem) => `latchkey: bad configuration: ${problem}`));
  const { config } = loaded;
  // Loaded only once the configuration is known to be good: a typo is reported at once.
  const [{ default: pino }, { openDatabase, describeUrl, DatabaseUnavailable }, { applyMigrations }, { createApp }, { bootstrapAdmin }, { ValidationError }, { createHttpServer }, { RedisUnavailable }] =
    await Promise.all([
      import('pino'), import('./db/client.ts'), import('./db/migrate.ts'), import('./app.ts'),
      import('./accounts/bootstrap-admin.ts'), import('./errors.ts'), import('./http/server.ts'), import('./services.ts'),
    ]);
  const logger = pino({ name: 'latchkey', level: config.logLevel });
  const tracing = config.otlpEndpoint === null ? null : (await import('./observability/tracing.ts')).startTracing(config.otlpEndpoint);

  let database;
  try {
    database = await openDatabase(config.database);
    await applyMigrations(config.database, database);
  } catch (error) {
    return exitWith([`latchkey: ${error instanceof DatabaseUnavailable ? error.message : `database start-up failed: ${oneLine(error)}`}`]);
  }
  let app;
  try {
    app = await createApp(config, database, logger);
    if (config.production && config.secrets.isDevelopmentKey) {
      logger.warn('SECRETS_KEY is not set: TOTP secrets are sealed with the public development key; set one (openssl rand -base64 32)');
    }
    if (config.admin !== null) {
      const result = await bootstrapAdmin(database, config.admin);
      if (result.outcome === 'promoted') await app.services.users.changed(result.userId);
      if (result.outcome === 'password-mismatch') {
        logger.warn({ email: config.admin.email }, 'ADMIN_EMAIL belongs to an account whose password is not ADMIN_PASSWORD: not promoted');
      } else {
        logger.info({ email: config.admin.email, outcome: result.outcome }, 'admin account');
      }
    }
  } catch (error) {
    if (error instanceof ValidationError) {
      // Sign-up refused the email or the password: name the variable at fault.
      const variable = error.field === 'email' ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD';
      return exitWith([`latchkey: bad configuration: ${variable}: ${error.message}`]);
    }
    if (error instanceof RedisUnavailable) return exitWith([`latchkey: ${error.message}`]);
    logger.debug({ err: error }, 'start-up failed');
    return exitWith([`latchkey: start-up failed: ${oneLine(error)}`]);
  }

  const server = createHttpServer(app.yoga);
  server.on('error', (error) => exitWith([`latchkey: cannot listen on ${config.host}:${config.port}: ${error.message}`]));
  server.listen(config.port, config.host, () => {
    app.services.janitor.start();
    app.services.keys.startRotation(config.signingKeyRotationDays, (error) => logger.warn({ err: error }, 'signing key rotation failed'));
    logger.info({ url: `http://${config.host}:${config.port}`, publicUrl: config.publicUrl, database: describeDatabase(config, describeUrl) }, 'serving');
  });

  stopOnSignals({
    server, lifecycle: app.services.lifecycle, logger, drainMs: config.drainSeconds * 1000,
    close: async () => {
      await app.close();
      await database.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing: the last spans could not be exported'));
    },
  });
}

function describeDatabase(config: Config, describeUrl: (url: string) => string): string {
  return config.database.kind === 'postgres'
    ? `postgres ${describeUrl(config.database.url)}`
    : `pglite ${config.database.dataDir}`;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

function exitWith(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exit(1);
}

await main();
