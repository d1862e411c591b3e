/**
 * What the HTTP path costs a request, beside the GraphQL pipeline: one app in this process, the same
 * request sent alternately through `yoga.fetch` (no sockets) and over HTTP (autocannon in a child process,
 * 50 connections), and the main thread's CPU per request for each, read from /proc (Linux). The
 * difference is node:http, @whatwg-node's request and response objects and the socket writes.
 *
 *   tsx bench/http-cost.ts [malformed|introspect|anonymous]   (BENCH_SECONDS per HTTP run, default 5; 3 rounds)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { createHttpServer } from '../src/http/server.ts';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { createBenchDatabase, runMain } from './lib.ts';
import { CREATE_KEY, CREDENTIAL_QUERY, PASSWORD, SIGN_UP } from './queries.ts';

const CASES = ['malformed', 'introspect', 'anonymous'] as const;
type Case = (typeof CASES)[number];
const seconds = Number(process.env.BENCH_SECONDS || 5);
const AUTOCANNON = fileURLToPath(new URL('../node_modules/.bin/autocannon', import.meta.url));

/** This process's main thread's CPU time so far, µs (utime + stime of its task, in clock ticks of 10 ms). */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function main(): Promise<number> {
  const which = (process.argv[2] ?? 'malformed') as Case;
  if (!CASES.includes(which)) throw new Error(`unknown case ${which}; one of ${CASES.join(', ')}`);
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
  const signedUp = await call(SIGN_UP, {}, { input: { email: `http-cost-${Date.now()}@bench.example.com`, password: PASSWORD } });
  const bearer = { authorization: `Bearer ${signedUp.data.signUp.tokens.accessToken}` };
  const keyOf = async (input: object) => (await call(CREATE_KEY, bearer, { input })).data.createApiKey.secret as string;
  const request: { headers: Record<string, string>; body: string } = which === 'anonymous'
    ? { headers: {}, body: JSON.stringify({ query: CREDENTIAL_QUERY }) }
    : which === 'introspect'
      ? { headers: { 'x-api-key': await keyOf({ name: 'own', scopes: [] }) }, body: JSON.stringify({ query: INTROSPECT_QUERY }) }
      : { headers: { 'x-api-key': await keyOf({ name: 'verifier', scopes: ['apikeys:verify'] }) }, body: JSON.stringify({ query: VERIFY, variables: { key: 'sk_live_not-a-key' } }) };
  // Copied into each fetch: a Request given a plain object adds Content-Length to it.
  const headers: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', ...request.headers });
  const expected = await (await app.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: { ...headers }, body: request.body })).text();

  const server = createHttpServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const overHttp = async (duration: number) => {
    const before = mainThreadCpuUs();
    const args = ['-j', '-c', '50', '-d', String(duration), '-m', 'POST', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), '-b', request.body, url];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(AUTOCANNON, args);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('error', reject);
      child.on('exit', () => resolve(out));
    });
    const result = JSON.parse(output) as { requests: { total: number }; non2xx: number; errors: number };
    if (result.requests.total === 0 || result.non2xx + result.errors > 0) throw new Error(`over HTTP: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return (mainThreadCpuUs() - before) / result.requests.total;
  };
  const inProcess = async (requests: number) => {
    const before = mainThreadCpuUs();
    let sent = 0;
    let wrong = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (sent < requests) {
        sent += 1;
        const text = await (await app.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: { ...headers }, body: request.body })).text();
        if (text !== expected) wrong += 1;
      }
    }));
    if (wrong > 0) throw new Error(`in process: ${wrong} wrong answers`);
    return (mainThreadCpuUs() - before) / requests;
  };

  await overHttp(2);
  await inProcess(3_000);
  process.stdout.write(`${which}: main-thread CPU per request, µs (Node ${process.version})\n`);
  for (let round = 1; round <= 3; round++) {
    const http = await overHttp(seconds);
    const fetched = await inProcess(15_000);
    process.stdout.write(`  round ${round}: over HTTP ${http.toFixed(0)}, yoga.fetch ${fetched.toFixed(0)}, the HTTP path ${(http - fetched).toFixed(0)}\n`);
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
  await db.close();
  return 0;
}

runMain(main);
