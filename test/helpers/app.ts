import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { freshDatabase, type FreshDatabase } from './database.ts';
import { seedSigningKeys } from './signing-keys.ts';

export interface GqlResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { data?: T; errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[] };
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** An access token (or anything else) sent as `Authorization: Bearer …`. */
  readonly bearer?: string;
  /** A session cookie value, sent as the Cookie header. */
  readonly cookie?: string;
}

export interface TestApp {
  readonly url: string;
  readonly app: App;
  readonly config: Config;
  readonly database: Database;
  readonly fresh: FreshDatabase;
  /** POSTs one GraphQL operation over a real socket, as a client would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for loadConfig (PUBLIC_URL and the database are set by the helper). */
  readonly env?: Record<string, string>;
  /**
   * Serve the database of another test app: two instances on one PostgreSQL database, or on PGlite (which
   * is one process's own) two apps on the first one's handle.
   */
  readonly sharing?: TestApp;
  /** Where the app logs; silent by default (TEST_LOG_LEVEL to see it). */
  readonly logger?: Logger;
  /** Let the app generate its first signing keys itself, as on a real first start (slow: RSA-3072). */
  readonly generateSigningKeys?: boolean;
}

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Starts the real app on a fresh database (or another app's), listening on an ephemeral loopback port. */
export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server = createHttpServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;

  const fresh = options.sharing?.fresh ?? (await freshDatabase());
  // Instances of one deployment share its public URL (the tokens' iss and aud).
  const loaded = loadConfig({ PUBLIC_URL: options.sharing?.config.publicUrl ?? url, PORT: String(port), ...options.env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const config: Config = { ...loaded.config, database: fresh.config };
  const sharedPglite = options.sharing !== undefined && config.database.kind === 'pglite';
  const database = sharedPglite ? options.sharing!.database : await openDatabase(config.database);
  if (options.sharing === undefined) {
    await applyMigrations(config.database, database);
    // Pre-generated keys of the production sizes, shared by this process's test apps (test/helpers/signing-keys.ts).
    if (options.generateSigningKeys !== true) await seedSigningKeys(database);
  }
  const app = await createApp(config, database, options.logger ?? silent);
  handler = app.yoga;

  const fetchPath = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  return {
    url, app, config, database, fresh,
    fetch: fetchPath,
    gql: async (query, variables, opts = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
      if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
      if (opts.cookie !== undefined) headers.cookie = opts.cookie;
      const response = await fetchPath('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse['body'] };
    },
    close: async () => {
      try {
        await closeServer(server);
        await app.close();
        if (!sharedPglite) await database.close().catch(() => {});
      } finally {
        if (options.sharing === undefined) await fresh.drop();
      }
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Two instances of one deployment on one PostgreSQL database (PGlite is one process's own): started
 * before the suite's tests and handed to `use`, closed after them.
 */
export function twoInstances(options: Omit<StartOptions, 'sharing'>, use: (apps: { one: TestApp; two: TestApp }) => void): void {
  let apps: { one: TestApp; two: TestApp } | undefined;
  beforeAll(async () => {
    const one = await startTestApp(options);
    apps = { one, two: await startTestApp({ ...options, sharing: one }) };
    use(apps);
  });
  afterAll(async () => {
    await apps?.two.close();
    await apps?.one.close();
  });
}
