import { createServer } from 'node:http';
import pino from 'pino';
import { bootstrapAdmin } from './accounts/bootstrap-admin.ts';
import { createApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { DatabaseUnavailable, describeUrl, openDatabase } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import { ValidationError } from './graphql/errors.ts';

const DRAIN_MS = 10_000;

/** Start-up: config → database → migrations → app → listen; SIGTERM drains and exits 0. */
async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) return exitWith(loaded.problems.map((problem) => `latchkey: bad configuration: ${problem}`));
  const { config } = loaded;
  const logger = pino({ name: 'latchkey', level: process.env.LOG_LEVEL ?? 'info' });

  let database;
  try {
    database = await openDatabase(config.database);
    await applyMigrations(config.database, database);
  } catch (error) {
    return exitWith([`latchkey: ${error instanceof DatabaseUnavailable ? error.message : `database start-up failed: ${String(error)}`}`]);
  }
  const app = await createApp(config, database, logger);
  if (config.admin !== null) {
    try {
      const result = await bootstrapAdmin(database, config.admin);
      if (result.outcome === 'promoted') await app.services.users.changed(result.userId);
      if (result.outcome === 'password-mismatch') {
        logger.warn({ email: config.admin.email }, 'ADMIN_EMAIL belongs to an account whose password is not ADMIN_PASSWORD: not promoted');
      } else {
        logger.info({ email: config.admin.email, outcome: result.outcome }, 'admin account');
      }
    } catch (error) {
      if (error instanceof ValidationError) {
        // Sign-up refuses the email (stricter than the config check) or the password: name the variable at fault.
        const variable = error.field === 'email' ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD';
        return exitWith([`latchkey: bad configuration: ${variable}: ${error.message}`]);
      }
      throw error;
    }
  }

  const server = createServer(app.yoga);
  server.on('error', (error) => exitWith([`latchkey: cannot listen on ${config.host}:${config.port}: ${error.message}`]));
  server.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}`, publicUrl: config.publicUrl, database: describeDatabase(config) }, 'serving');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    await drained;
    clearTimeout(timer);
    await app.close();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function describeDatabase(config: Config): string {
  return config.database.kind === 'postgres'
    ? `postgres ${describeUrl(config.database.url)}`
    : `pglite ${config.database.dataDir}`;
}

function exitWith(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exit(1);
}

await main();
