/**
 * A/B of Latchkey builds over HTTP: each variant (a checkout and its node flags) as its own server on its
 * own throw-away database, the same cases driven by autocannon in alternating slices (ABAB…), and the
 * server's CPU per request (all its threads, from /proc: robust to a busy machine) per case, next to
 * bare Yoga's in the same run.
 *
 *   tsx bench/ab.ts 'A=/path/to/checkout' 'B=/path/to/other --max-semi-space-size=16' [cases]
 *   cases: comma-separated of access,anonymous,apikey,introspect,verify,malformed,unknown (default: all)
 *   BENCH_SECONDS per side per case (default 6), BENCH_SLICES (default 3), BENCH_CONNECTIONS (50)
 */
import { spawn } from 'node:child_process';
import { onCleanup } from './lib/cleanup.ts';
import {
  childEnv, createBenchDatabase, freePort, gql, post, readCpu, runCannon, runMain, signUpTokens, startBareYoga, waitUntilReady,
  BENCH_ADMIN, median, type Child, type Measurement,
} from './lib.ts';
import { BARE_USER, CREATE_KEY, CREDENTIAL_QUERY, USER_QUERY } from './queries.ts';
import { generateKey } from '../src/apikeys/format.ts';

const INTROSPECT = '{ viewer { apiKey { id name scopes } } }';
const VERIFY = 'mutation V($key: String!) { verifyApiKey(key: $key) { valid code apiKey { id } } }';
const SECONDS = Number(process.env.BENCH_SECONDS || 20);
const SLICES = Number(process.env.BENCH_SLICES || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);

interface Case { readonly body: string; readonly headers: Record<string, string>; readonly expect: string }

function start(label: string, dir: string, flags: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], { cwd: dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  child.stdout!.on('data', (c: Buffer) => { tail = (tail + c.toString()).slice(-4000); });
  child.stderr!.on('data', (c: Buffer) => { tail = (tail + c.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    return exited;
  };
  onCleanup(async () => { await stop(); });
  return { name: label, process: child, exited, stop, tail: () => tail };
}

async function setUp(base: string): Promise<Record<string, Case>> {
  const user = await signUpTokens(base);
  const bearer = { authorization: `Bearer ${user.accessToken}` };
  const create = async (input: Record<string, unknown>) => {
    const reply = await gql(base, CREATE_KEY.replace('{ secret }', '{ secret apiKey { id } }'), { input }, bearer);
    return { secret: reply.json.data.createApiKey.secret as string, id: reply.json.data.createApiKey.apiKey.id as string };
  };
  const own = await create({ name: 'introspect', scopes: [] });
  const service = { 'x-api-key': (await create({ name: 'verifier', scopes: ['apikeys:verify'] })).secret };
  const limited = await create({ name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
  const userBody = JSON.stringify({ data: { viewer: { user: { id: user.userId, email: user.email } } } });
  const verify = (key: string, valid: boolean, code: string | null, id: string | null): Case => ({
    body: JSON.stringify({ query: VERIFY, variables: { key } }), headers: service,
    expect: JSON.stringify({ data: { verifyApiKey: { valid, code, apiKey: id === null ? null : { id } } } }),
  });
  return {
    anonymous: { body: JSON.stringify({ query: CREDENTIAL_QUERY }), headers: {}, expect: JSON.stringify({ data: { viewer: { credential: 'ANONYMOUS' } } }) },
    access: { body: JSON.stringify({ query: USER_QUERY }), headers: bearer, expect: userBody },
    apikey: { body: JSON.stringify({ query: USER_QUERY }), headers: { 'x-api-key': own.secret }, expect: userBody },
    introspect: {
      body: JSON.stringify({ query: INTROSPECT }), headers: { 'x-api-key': own.secret },
      expect: JSON.stringify({ data: { viewer: { apiKey: { id: own.id, name: 'introspect', scopes: [] } } } }),
    },
    verify: verify(limited.secret, true, null, limited.id),
    malformed: verify('sk_live_not-a-key', false, 'MALFORMED', null),
    unknown: verify(generateKey('live'), false, 'NOT_FOUND', null),
  };
}

async function main(): Promise<number> {
  const specs = process.argv.slice(2).filter((a) => a.includes('='));
  const wanted = process.argv.slice(2).find((a) => !a.includes('='))?.split(',') ?? ['access', 'anonymous', 'apikey', 'introspect', 'verify', 'malformed', 'unknown'];
  const servers = [];
  for (const spec of specs) {
    const [label, rest] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
    const [dir, ...flags] = rest.split(' ').filter(Boolean);
    const database = await createBenchDatabase();
    const port = await freePort();
    const child = start(label, dir!, flags, {
      DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ADMIN_EMAIL: BENCH_ADMIN.email, ADMIN_PASSWORD: BENCH_ADMIN.password,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, async () => (await fetch(`${base}/healthz`)).ok);
    servers.push({ label, base, child, cases: await setUp(base), cpu: () => readCpu(child.process.pid!, database.name) });
  }
  const bare = await startBareYoga();
  const bareCase: Case = { body: JSON.stringify({ query: USER_QUERY }), headers: {}, expect: JSON.stringify({ data: { viewer: { user: BARE_USER } } }) };
  const sides = [
    { label: 'bare', base: bare.base, cases: Object.fromEntries(wanted.map((w) => [w, bareCase])) as Record<string, Case>, cpu: () => readCpu(bare.child.process.pid!) },
    ...servers,
  ];
  process.stdout.write(`CPU µs/req (server process group, all threads) per case; ${SLICES} slices of ${SECONDS / SLICES} s per side; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`${'case'.padEnd(12)}${sides.map((s) => s.label.padStart(16)).join('')}\n`);
  for (const name of wanted) {
    for (const s of sides) {
      const c = s.cases[name]!;
      const reply = await post(`${s.base}/graphql`, JSON.parse(c.body), c.headers);
      if (reply.text !== c.expect) throw new Error(`${s.label} ${name}: ${reply.status} ${reply.text}`);
    }
    const runs = new Map<string, Measurement[]>(sides.map((s) => [s.label, []]));
    const drive = (s: (typeof sides)[number], seconds: number, warm: number) => {
      const c = s.cases[name]!;
      return runCannon({ url: `${s.base}/graphql`, body: c.body, headers: c.headers, expectBody: c.expect, connections: CONNECTIONS, seconds, warmupSeconds: warm, cpu: s.cpu });
    };
    for (const s of sides) await drive(s, 1, 0);
    for (let i = 0; i < SLICES; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) runs.get(s.label)!.push(await drive(s, SECONDS / SLICES, 0));
    }
    const cpu = (ms: Measurement[]) => ms.reduce((a, m) => a + m.serverCpuUs * m.total, 0) / ms.reduce((a, m) => a + m.total, 0);
    const bad = (ms: Measurement[]) => ms.reduce((a, m) => a + m.non2xx + m.errors + m.wrong, 0);
    // Each slice's CPU/req over bare Yoga's in the same round; the median of those ratios.
    const bareRuns = runs.get('bare')!;
    const ratio = (ms: Measurement[]) => median(ms.map((m, i) => m.serverCpuUs / bareRuns[i]!.serverCpuUs));
    const rpsRatio = (ms: Measurement[]) => median(ms.map((m, i) => m.requestsPerSecond / bareRuns[i]!.requestsPerSecond));
    process.stdout.write(`${name.padEnd(12)}${sides.map((s) => {
      const ms = runs.get(s.label)!;
      return `${cpu(ms).toFixed(0)}${s.label === 'bare' ? '' : ` (${ratio(ms).toFixed(2)}, ×${rpsRatio(ms).toFixed(2)} req/s)`}${bad(ms) > 0 ? '!' : ''}`.padStart(s.label === 'bare' ? 16 : 30);
    }).join('')}\n`);
  }
  return 0;
}

runMain(main);
