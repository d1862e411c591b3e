/**
 * What the HTTP path costs a request, beside the GraphQL pipeline: one app in this process, the same
 * request sent alternately through `yoga.fetch` (no sockets) and over HTTP (autocannon in a child process,
 * 50 connections), and the main thread's CPU per request for each, read from /proc (Linux). The
 * difference is node:http, @whatwg-node's request and response objects and the socket writes.
 *
 *   tsx bench/http-cost.ts [malformed|introspect|anonymous]   (BENCH_SECONDS per HTTP run, default 5; 3 rounds)
 */
import { readFileSync } from 'node:fs';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { runMain } from './lib.ts';
import { autocannonInChild, startInProcessApp } from './lib/in-process.ts';
import { CREDENTIAL_QUERY } from './queries.ts';

const CASES = ['malformed', 'introspect', 'anonymous'] as const;
type Case = (typeof CASES)[number];
const seconds = Number(process.env.BENCH_SECONDS || 5);

/** This process's main thread's CPU time so far, µs (utime + stime of its task, in clock ticks of 10 ms). */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function main(): Promise<number> {
  const which = (process.argv[2] ?? 'malformed') as Case;
  if (!CASES.includes(which)) throw new Error(`unknown case ${which}; one of ${CASES.join(', ')}`);
  const served = await startInProcessApp();
  const { app } = served;
  const request: { headers: Record<string, string>; body: string } = which === 'anonymous'
    ? { headers: {}, body: JSON.stringify({ query: CREDENTIAL_QUERY }) }
    : which === 'introspect'
      ? { headers: { 'x-api-key': await served.createKey({ name: 'own', scopes: [] }) }, body: JSON.stringify({ query: INTROSPECT_QUERY }) }
      : { headers: { 'x-api-key': await served.createKey({ name: 'verifier', scopes: ['apikeys:verify'] }) }, body: JSON.stringify({ query: VERIFY, variables: { key: 'sk_live_not-a-key' } }) };
  // Copied into each fetch: a Request given a plain object adds Content-Length to it.
  const headers: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json', ...request.headers });
  const expected = await (await app.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: { ...headers }, body: request.body })).text();

  const url = await served.listen();

  const overHttp = async (duration: number) => {
    const before = mainThreadCpuUs();
    const total = await autocannonInChild(url, request.headers, request.body, duration);
    return (mainThreadCpuUs() - before) / total;
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
  await served.close();
  return 0;
}

runMain(main);
