/**
 * The peer that bench/run.ts measures Latchkey's session-cookie path against: Better Auth with email
 * and password on PostgreSQL (node-postgres pool, its documented setup), served by its own Node
 * handler, as a child process:
 *   DATABASE_URL=postgres://… PORT=4200 [COOKIE_CACHE=1] node bench/better-auth-server.mjs
 *
 * Plain JavaScript run by plain node, not through tsx: Better Auth imports modules while it answers,
 * and a loader's hooks on those imports would slow it down in a way no real deployment sees.
 *
 * Its defaults stay, except what would make the comparison unfair or leave loopback: telemetry is off,
 * and its in-memory rate limiter is off (Latchkey limits sign-in attempts, not session reads either).
 * COOKIE_CACHE=1 turns on its signed session cookie cache (5 min): get-session then reads no database,
 * at the price of honouring a revoked session only when the cached copy expires.
 */
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { Pool } from 'pg';

const port = Number(process.env.PORT ?? 4200);
const baseURL = `http://127.0.0.1:${port}`;
const cookieCache = process.env.COOKIE_CACHE === '1';

const options = {
  database: new Pool({ connectionString: process.env.DATABASE_URL }),
  baseURL,
  secret: 'bench-only secret of at least thirty-two characters',
  emailAndPassword: { enabled: true },
  session: { cookieCache: { enabled: cookieCache, maxAge: 300 } },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
};

const { runMigrations } = await getMigrations(options);
await runMigrations();

const server = createServer(toNodeHandler(betterAuth(options)));
server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => void options.database.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
