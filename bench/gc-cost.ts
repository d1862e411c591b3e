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
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { generateKey } from '../src/apikeys/format.ts';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { runMain } from './lib.ts';
import { autocannonInChild, startInProcessApp } from './lib/in-process.ts';
import { CREDENTIAL_QUERY } from './queries.ts';

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

  const served = await startInProcessApp();
  const own = { 'x-api-key': await served.createKey({ name: 'own', scopes: [] }) };
  const verifier = { 'x-api-key': await served.createKey({ name: 'verifier', scopes: ['apikeys:verify'] }) };
  const limited = await served.createKey({ name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
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

  const url = await served.listen();
  const load = (c: { headers: Record<string, string>; body: string }, duration: number) => autocannonInChild(url, c.headers, c.body, duration);

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
  await served.close();
  return 0;
}

runMain(main);
