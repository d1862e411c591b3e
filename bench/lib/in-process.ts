/** One Latchkey app in the bench's own process (for figures read from this process), and load from a child. */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { CREATE_KEY, PASSWORD, SIGN_UP } from '../queries.ts';
import { createBenchDatabase } from './database.ts';

const AUTOCANNON = fileURLToPath(new URL('../../node_modules/.bin/autocannon', import.meta.url));

export interface InProcessApp {
  readonly app: App;
  /** A new key of a new user, made through `yoga.fetch`: its secret. */
  createKey(input: { name: string; scopes: string[]; rateLimit?: { limit: number; windowSeconds: number } }): Promise<string>;
  /** Serves the app on a free loopback port; resolves with its /graphql URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startInProcessApp(): Promise<InProcessApp> {
  const database = await createBenchDatabase();
  const loaded = loadConfig({ DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '4000' });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const db = await openDatabase(loaded.config.database);
  await applyMigrations(loaded.config.database, db);
  const app = await createApp(loaded.config, db, pino({ level: 'warn' }));
  const call = async (query: string, headers: Record<string, string>, variables?: object) => {
    const response = await app.yoga.fetch('http://127.0.0.1/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(await response.text());
  };
  const signedUp = await call(SIGN_UP, {}, { input: { email: `in-process-${Date.now()}@bench.example.com`, password: PASSWORD } });
  const bearer = { authorization: `Bearer ${signedUp.data.signUp.tokens.accessToken}` };
  const server = createHttpServer(app.yoga);
  return {
    app,
    async createKey(input) {
      const reply = await call(CREATE_KEY, bearer, { input });
      const secret = reply.data?.createApiKey?.secret;
      if (typeof secret !== 'string') throw new Error(`createApiKey failed: ${JSON.stringify(reply)}`);
      return secret;
    },
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await db.close();
    },
  };
}

/**
 * autocannon as a child process (its CPU is not this process's), POSTing one JSON body over 50
 * connections for `seconds`; resolves with the number of requests, all of which must be 2xx.
 */
export async function autocannonInChild(url: string, headers: Readonly<Record<string, string>>, body: string, seconds: number): Promise<number> {
  const all = { 'content-type': 'application/json', ...headers };
  const args = ['-j', '-c', '50', '-d', String(seconds), '-m', 'POST', ...Object.entries(all).flatMap(([k, v]) => ['-H', `${k}=${v}`]), '-b', body, url];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(AUTOCANNON, args);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
  const result = JSON.parse(output) as { requests: { total: number }; non2xx: number; errors: number };
  if (result.requests.total === 0 || result.non2xx + result.errors > 0) throw new Error(`over HTTP: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.total;
}
