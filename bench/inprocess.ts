/**
 * Latchkey's request pipeline without HTTP: `yoga.fetch` of the app createApp builds, in this process,
 * next to bare Yoga's, so the figures are the GraphQL pipeline and Latchkey's own code only (no
 * sockets, no load generator, no second process competing for the cores). CPU per request, median of
 * rounds that alternate the variants.
 *
 *   tsx bench/inprocess.ts [access,cookie,apikey,introspect,verify,malformed,unknown,...]   (BENCH_REQUESTS per round, default 4000; BENCH_ROUNDS, default 5)
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/inprocess.ts cookie   (profile one case)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createBareYoga } from './bare-schema.ts';
import { runMain } from './lib.ts';
import { startInProcessApp } from './lib/in-process.ts';
import { BARE_USER, CREATE_KEY, CREDENTIAL_QUERY, LOGIN, PASSWORD, SIGN_UP, USER_QUERY } from './queries.ts';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { generateKey } from '../src/apikeys/format.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS || 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const CONCURRENCY = 50;

interface Fetcher {
  fetch(url: string, init: RequestInit): Response | Promise<Response>;
}

interface Variant {
  readonly name: string;
  readonly yoga: Fetcher;
  readonly headers: Record<string, string>;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly expect: string;
  /** The variant it is compared with. */
  readonly baseline?: string;
}

async function call(yoga: Fetcher, query: string, headers: Record<string, string> = {}, variables?: unknown) {
  const response = await yoga.fetch('http://127.0.0.1/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** CPU and wall µs per request over `REQUESTS` requests, `CONCURRENCY` in flight. */
async function measure(v: Variant, requests: number): Promise<{ cpu: number; wall: number; wrong: number }> {
  const body = JSON.stringify({ query: v.query, variables: v.variables });
  // With its length, as every HTTP client sends it: without one, Latchkey's body limit counts the bytes through a stream.
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...v.headers };
  let started = 0;
  let wrong = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (started < requests) {
      started += 1;
      const response = await v.yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers, body });
      const text = await response.text();
      if (response.status !== 200 || text !== v.expect) wrong += 1;
    }
  }));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / requests, wall: (wall * 1000) / requests, wrong };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<number> {
  const only = process.argv[2];
  const served = await startInProcessApp();
  const { app } = served;

  const email = `inprocess-${randomUUID().slice(0, 8)}@bench.example.com`;
  const signedUp = await call(app.yoga, SIGN_UP, {}, { input: { email, password: PASSWORD } });
  const tokens = JSON.parse(signedUp.text).data.signUp;
  const cookieEmail = `inprocess-${randomUUID().slice(0, 8)}@bench.example.com`;
  await call(app.yoga, SIGN_UP, {}, { input: { email: cookieEmail, password: PASSWORD, delivery: 'COOKIE' } });
  const login = await call(app.yoga, LOGIN, {}, { input: { email: cookieEmail, password: PASSWORD, delivery: 'COOKIE' } });
  const cookieUserId = JSON.parse(login.text).data.login.user.id as string;
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;

  const bearer = { authorization: `Bearer ${tokens.tokens.accessToken}` };
  const userBody = (id: string, mail: string) => JSON.stringify({ data: { viewer: { user: { id, email: mail } } } });
  const accessExpect = userBody(tokens.user.id, email);
  const anonymousExpect = JSON.stringify({ data: { viewer: { credential: 'ANONYMOUS' } } });

  // API keys: one reading its own metadata, a service holding apikeys:verify, and a key with a rate limit it checks.
  const createKey = async (input: Record<string, unknown>) => {
    const created = JSON.parse((await call(app.yoga, CREATE_KEY.replace('{ secret }', '{ secret apiKey { id } }'), bearer, { input })).text);
    return { secret: created.data.createApiKey.secret as string, id: created.data.createApiKey.apiKey.id as string };
  };
  const own = await createKey({ name: 'introspect', scopes: [] });
  const service = { 'x-api-key': (await createKey({ name: 'verifier', scopes: ['apikeys:verify'] })).secret };
  const limited = await createKey({ name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
  const verified = (valid: boolean, code: string | null, id: string | null) =>
    JSON.stringify({ data: { verifyApiKey: { valid, code, apiKey: id === null ? null : { id } } } });
  const unknownKey = generateKey('live');

  const bare = createBareYoga();
  const bareUserExpect = userBody(BARE_USER.id, BARE_USER.email);
  const variants: Variant[] = [
    { name: 'bare user', yoga: bare, headers: {}, query: USER_QUERY, expect: bareUserExpect },
    { name: 'bare credential', yoga: bare, headers: {}, query: CREDENTIAL_QUERY, expect: anonymousExpect },
    { name: 'anonymous', yoga: app.yoga, headers: {}, query: CREDENTIAL_QUERY, expect: anonymousExpect, baseline: 'bare credential' },
    { name: 'access', yoga: app.yoga, headers: bearer, query: USER_QUERY, expect: accessExpect, baseline: 'bare user' },
    { name: 'cookie', yoga: app.yoga, headers: { cookie }, query: USER_QUERY, expect: userBody(cookieUserId, cookieEmail), baseline: 'bare user' },
    { name: 'apikey', yoga: app.yoga, headers: { 'x-api-key': own.secret }, query: USER_QUERY, expect: accessExpect, baseline: 'bare user' },
    {
      name: 'introspect', yoga: app.yoga, headers: { 'x-api-key': own.secret }, query: INTROSPECT_QUERY, baseline: 'bare user',
      expect: JSON.stringify({ data: { viewer: { apiKey: { id: own.id, name: 'introspect', scopes: [] } } } }),
    },
    { name: 'verify', yoga: app.yoga, headers: service, query: VERIFY, variables: { key: limited.secret }, expect: verified(true, null, limited.id), baseline: 'bare user' },
    { name: 'malformed', yoga: app.yoga, headers: service, query: VERIFY, variables: { key: 'sk_live_not-a-key' }, expect: verified(false, 'MALFORMED', null), baseline: 'bare user' },
    { name: 'unknown', yoga: app.yoga, headers: service, query: VERIFY, variables: { key: unknownKey }, expect: verified(false, 'NOT_FOUND', null), baseline: 'bare user' },
  ];
  // A comma-separated list of variant names picks some; their baselines come along.
  const wanted = only?.split(',').map((w) => w.trim());
  const picked = wanted === undefined ? variants : variants.filter((v) => wanted.includes(v.name));
  const chosen = variants.filter((v) => picked.includes(v) || picked.some((p) => p.baseline === v.name));
  if (picked.length === 0) throw new Error(`no variant ${only}; one of: ${variants.map((v) => v.name).join(', ')}`);

  for (const v of chosen) {
    const reply = await call(v.yoga, v.query, v.headers, v.variables);
    if (reply.text !== v.expect) throw new Error(`${v.name}: expected ${v.expect}, got ${reply.status} ${reply.text}`);
  }
  const results = new Map<string, { cpu: number[]; wall: number[]; wrong: number }>(chosen.map((v) => [v.name, { cpu: [], wall: [], wrong: 0 }]));
  process.stderr.write(`bench: warm-up, then ${ROUNDS} rounds of ${REQUESTS} requests per variant (${CONCURRENCY} in flight)\n`);
  for (const v of chosen) await measure(v, REQUESTS);
  // The measured window on the clock V8 stamps profiles with, for bench/cpuprofile-top.ts's window.
  const windowFrom = process.hrtime.bigint() / 1000n;
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of chosen) {
      const m = await measure(v, REQUESTS);
      const r = results.get(v.name)!;
      r.cpu.push(m.cpu);
      r.wall.push(m.wall);
      r.wrong += m.wrong;
    }
  }

  process.stderr.write(`bench: measured window ${windowFrom} ${process.hrtime.bigint() / 1000n} (µs, monotonic)\n`);
  process.stdout.write(`\nIn-process yoga.fetch, ${process.version}; median of ${ROUNDS} rounds; CPU is this process's user+system time\n\n`);
  process.stdout.write(`${'variant'.padEnd(46)} ${'CPU µs/req'.padStart(10)} ${'wall µs/req'.padStart(11)}  vs baseline (CPU)  wrong\n`);
  for (const v of chosen) {
    const r = results.get(v.name)!;
    const cpu = median(r.cpu);
    const base = v.baseline === undefined ? undefined : results.get(v.baseline);
    const vs = base === undefined ? '' : `${(cpu - median(base.cpu) >= 0 ? '+' : '')}${(cpu - median(base.cpu)).toFixed(1)} µs (${(cpu / median(base.cpu)).toFixed(2)}×) vs ${v.baseline}`;
    process.stdout.write(`${v.name.padEnd(46)} ${cpu.toFixed(1).padStart(10)} ${median(r.wall).toFixed(1).padStart(11)}  ${vs.padEnd(17)}  ${r.wrong}\n`);
  }
  await served.close();
  const wrong = [...results.values()].reduce((sum, r) => sum + r.wrong, 0);
  return wrong === 0 ? 0 : 1;
}

runMain(main);
