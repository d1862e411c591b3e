/**
 * What garbage collection costs the main thread per request, over HTTP: one app in this process, each
 * case driven by autocannon in a child process (50 connections; 2 s of warm-up, then BENCH_SECONDS,
 * default 6), and V8's collections in that window (count and pause time by kind, from the `gc`
 * performance entries) divided by the requests served. A young-generation pause grows with what is
 * still alive when it runs, so a request that keeps its objects reachable for longer than its own
 * life shows here first.
 *
 *   tsx bench/gc-cost.ts [anonymous,apikey,introspect,verify,malformed,unknown]
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { generateKey } from '../src/apikeys/format.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { createHttpServer } from '../src/http/server.ts';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { createBenchDatabase, runMain } from './lib.ts';
import { CREATE_KEY, CREDENTIAL_QUERY, PASSWORD, SIGN_UP } from './queries.ts';

const AUTOCANNON = fileURLToPath(new URL('../node_modules/.bin/autocannon', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS || 6);
const KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'young',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'full',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

interface Pauses { count: number; ms: number }

async function main(): Promise<number> {
  const pauses = new Map<string, Pauses>();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = KINDS[entry.detail?.kind ?? -1] ?? 'other';
      const p = pauses.get(kind) ?? { count: 0, ms: 0 };
      p.count += 1;
      p.ms += entry.duration;
      pauses.set(kind, p);
    }
  }).observe({ entryTypes: ['gc'] });

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
  const signedUp = await call(SIGN_UP, {}, { input: { email: `gc-cost-${Date.now()}@bench.example.com`, password: PASSWORD } });
  const bearer = { authorization: `Bearer ${signedUp.data.signUp.tokens.accessToken}` };
  const keyOf = async (input: object) => (await call(CREATE_KEY, bearer, { input })).data.createApiKey.secret as string;
  const own = { 'x-api-key': await keyOf({ name: 'own', scopes: [] }) };
  const verifier = { 'x-api-key': await keyOf({ name: 'verifier', scopes: ['apikeys:verify'] }) };
  const limited = await keyOf({ name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
  const verify = (key: string) => JSON.stringify({ query: VERIFY, variables: { key } });
  const cases: Record<string, { headers: Record<string, string>; body: string }> = {
    anonymous: { headers: {}, body: JSON.stringify({ query: CREDENTIAL_QUERY }) },
    apikey: { headers: own, body: JSON.stringify({ query: CREDENTIAL_QUERY }) },
    introspect: { headers: own, body: JSON.stringify({ query: INTROSPECT_QUERY }) },
    verify: { headers: verifier, body: verify(limited) },
    malformed: { headers: verifier, body: verify('sk_live_not-a-key') },
    unknown: { headers: verifier, body: verify(generateKey('live')) },
  };
  const wanted = (process.argv[2] ?? Object.keys(cases).join(',')).split(',');
  for (const name of wanted) if (cases[name] === undefined) throw new Error(`unknown case ${name}; one of ${Object.keys(cases).join(', ')}`);

  const server = createHttpServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const load = async (c: { headers: Record<string, string>; body: string }, duration: number) => {
    const headers = { 'content-type': 'application/json', ...c.headers };
    const args = ['-j', '-c', '50', '-d', String(duration), '-m', 'POST', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), '-b', c.body, url];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(AUTOCANNON, args);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('error', reject);
      child.on('exit', () => resolve(out));
    });
    const result = JSON.parse(output) as { requests: { total: number }; non2xx: number; errors: number };
    if (result.requests.total === 0 || result.non2xx + result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return result.requests.total;
  };

  process.stdout.write(`main-thread GC pauses per request over HTTP (Node ${process.version}; ${seconds} s per case)\n`);
  for (const name of wanted) {
    await load(cases[name]!, 2);
    pauses.clear();
    const requests = await load(cases[name]!, seconds);
    await new Promise((resolve) => setImmediate(resolve)); // the observer reports asynchronously
    const parts = [...pauses].map(([kind, p]) => `${kind} ${p.count} (${((p.ms * 1000) / requests).toFixed(1)} µs/req)`);
    const total = [...pauses.values()].reduce((sum, p) => sum + p.ms, 0);
    process.stdout.write(`  ${name.padEnd(11)} ${String(requests).padStart(7)} requests: ${((total * 1000) / requests).toFixed(1)} µs/req; ${parts.join(', ')}\n`);
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
  await db.close();
  return 0;
}

runMain(main);
