/**
 * Profiles one hot path: Latchkey runs as `node --cpu-prof --import tsx src/main.ts` on a throw-away
 * database, autocannon drives the case, SIGTERM stops it (it drains and exits 0, which writes the
 * profile). Then the same for bare Yoga with the same query, and the report: Latchkey's top functions
 * in the measured window (start-up and warm-up left out), and where it spends more CPU per request than
 * bare Yoga does.
 *
 *   tsx bench/profile.ts [access|cookie|anonymous|refresh|introspect|verify|unknown|malformed]
 *   BENCH_SECONDS (10), BENCH_PROFILE_DIR (/tmp/prof), BENCH_DATABASE_URL
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, diff, summarize, type CpuProfile } from './cpuprofile-top.ts';
import {
  closeClientSockets, createBenchDatabase, gql, mapLimit, post, readCpu, runCannon, runClosedLoop, runMain, signUpCookie, signUpTokens,
  startBareYoga, startLatchkey, type Child, type Measurement, type TokenUser,
} from './lib.ts';
import { BARE_USER, CHECK_QUERY, CREATE_KEY, CREDENTIAL_QUERY, REFRESH, USER_QUERY } from './queries.ts';
import { INTROSPECT_QUERY, VERIFY } from './key-cases.ts';
import { generateKey } from '../src/apikeys/format.ts';

const CASES = ['access', 'cookie', 'anonymous', 'refresh', 'introspect', 'verify', 'unknown', 'malformed'] as const;
type Case = (typeof CASES)[number];

/** µs on the monotonic clock, the one V8 stamps profiles with (CLOCK_MONOTONIC, as process.hrtime). */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const seconds = Number(process.env.BENCH_SECONDS || 10);
const workers = Number(process.env.BENCH_WORKERS || 20);

/** Warm-up, then the measured run; stops the server and returns the profile's aggregate for that run. */
async function profileRun(name: string, child: Child, dir: string, load: (seconds: number) => Promise<Measurement>) {
  await load(2);
  const from = nowUs();
  const m = await load(seconds);
  const to = nowUs();
  closeClientSockets();
  const cpu = Number.isFinite(m.serverCpuUs) ? `, CPU/req ${m.serverCpuUs.toFixed(0)} µs (db ${m.dbCpuUs.toFixed(0)})` : '';
  process.stdout.write(`${name}: ${m.requestsPerSecond.toFixed(0)} req/s, p99 ${m.p99Ms} ms${cpu}, non-2xx/errors/wrong ${m.non2xx}/${m.errors}/${m.wrong} (under the profiler)\n`);
  if (m.non2xx + m.errors + m.wrong > 0 || m.total === 0) throw new Error(`${name}: wrong or failed answers; the profile would not show the hot path`);
  const code = await child.stop();
  if (code !== 0) throw new Error(`${name} exited with ${code} on SIGTERM; no profile is written then`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const path = join(dir, file);
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  if (profile.startTime > from || profile.endTime < to) throw new Error(`${path}: the profile does not cover the load's window`);
  process.stdout.write(`  profile: ${path}\n`);
  return { aggregate: aggregate(profile, { fromUs: from, toUs: to }), requests: m.total };
}

function report(which: Case, query: string, ours: Profiled, baseline: Profiled) {
  process.stdout.write(`\n=== Latchkey, ${which}: ${query}\n${summarize(ours.aggregate, { top: 25, requests: ours.requests })}\n`);
  process.stdout.write(`\n=== Latchkey (${which}) minus bare Yoga, same load\n${diff(ours.aggregate, ours.requests, baseline.aggregate, baseline.requests)}\n`);
}

type Profiled = Awaited<ReturnType<typeof profileRun>>;

/** Each worker rotates its own token chain; bare Yoga answers the user query in the same closed loop. */
async function profileRefresh(dirs: { latchkey: string; bare: string }): Promise<number> {
  const database = await createBenchDatabase();
  const latchkey = await startLatchkey(database.url, ['--cpu-prof', `--cpu-prof-dir=${dirs.latchkey}`]);
  const chains: (TokenUser | undefined)[] = await mapLimit(Array.from({ length: workers }), 4, () => signUpTokens(latchkey.base));
  const ours = await profileRun('latchkey refresh', latchkey.child, dirs.latchkey, (s) => runClosedLoop<TokenUser>({
    states: chains, seconds: s, warmupSeconds: 0, cpu: () => readCpu(latchkey.child.process.pid!, database.name),
    step: async (user) => {
      const reply = await gql(latchkey.base, REFRESH, { token: user.refreshToken });
      const tokens = reply.json?.data?.refresh?.tokens;
      const rotated = typeof tokens?.refreshToken === 'string' && tokens.refreshToken !== user.refreshToken && typeof tokens.accessToken === 'string';
      return { status: reply.status, wrong: !rotated, next: rotated ? { ...user, ...tokens } : undefined };
    },
  }));

  const bare = await startBareYoga(['--cpu-prof', `--cpu-prof-dir=${dirs.bare}`]);
  const bareExpected = JSON.stringify({ data: { viewer: { user: BARE_USER } } });
  const slots: (true | undefined)[] = Array.from({ length: workers }, () => true);
  const baseline = await profileRun('bare yoga', bare.child, dirs.bare, (s) => {
    slots.fill(true);
    return runClosedLoop({
      states: slots, seconds: s, warmupSeconds: 0, cpu: () => readCpu(bare.child.process.pid!),
      step: async () => {
        const reply = await post(`${bare.base}/graphql`, { query: USER_QUERY });
        return { status: reply.status, wrong: reply.text !== bareExpected, next: true };
      },
    });
  });
  report('refresh', `${REFRESH.replace(/\s+/g, ' ').trim()} (bare Yoga: ${USER_QUERY})`, ours, baseline);
  return 0;
}

/** The key cases of issue #17 (bench/key-cases.ts), each against bare Yoga answering the user query. */
async function profileKeyCase(which: 'introspect' | 'verify' | 'unknown' | 'malformed', dirs: { latchkey: string; bare: string }): Promise<number> {
  const database = await createBenchDatabase();
  const latchkey = await startLatchkey(database.url, ['--cpu-prof', `--cpu-prof-dir=${dirs.latchkey}`]);
  const owner = await signUpTokens(latchkey.base);
  const bearer = { authorization: `Bearer ${owner.accessToken}` };
  const create = async (input: Record<string, unknown>) => {
    const reply = await gql(latchkey.base, CREATE_KEY.replace('{ secret }', '{ secret apiKey { id } }'), { input }, bearer);
    return { secret: reply.json.data.createApiKey.secret as string, id: reply.json.data.createApiKey.apiKey.id as string };
  };
  let body: string;
  let headers: Record<string, string>;
  if (which === 'introspect') {
    const own = await create({ name: 'introspect', scopes: [] });
    body = JSON.stringify({ query: INTROSPECT_QUERY });
    headers = { 'x-api-key': own.secret };
  } else {
    const service = await create({ name: 'verifier', scopes: ['apikeys:verify'] });
    const limited = await create({ name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
    const key = which === 'verify' ? limited.secret : which === 'unknown' ? generateKey('live') : 'sk_live_not-a-key';
    body = JSON.stringify({ query: VERIFY, variables: { key } });
    headers = { 'x-api-key': service.secret };
  }
  const expected = (await post(`${latchkey.base}/graphql`, JSON.parse(body), headers)).text;
  process.stdout.write(`${which}: ${expected}\n`);
  const ours = await profileRun(`latchkey ${which}`, latchkey.child, dirs.latchkey, (s) =>
    runCannon({ url: `${latchkey.base}/graphql`, body, headers, expectBody: expected, connections: 50, seconds: s, warmupSeconds: 0 }));
  const bare = await startBareYoga(['--cpu-prof', `--cpu-prof-dir=${dirs.bare}`]);
  const bareExpected = JSON.stringify({ data: { viewer: { user: BARE_USER } } });
  const baseline = await profileRun('bare yoga', bare.child, dirs.bare, (s) =>
    runCannon({ url: `${bare.base}/graphql`, body: JSON.stringify({ query: USER_QUERY }), expectBody: bareExpected, connections: 50, seconds: s, warmupSeconds: 0 }));
  report(which, body, ours, baseline);
  return 0;
}

async function main(): Promise<number> {
  const which = (process.argv[2] ?? 'access') as Case;
  if (!CASES.includes(which)) throw new Error(`unknown case ${which}; one of ${CASES.join(', ')}`);
  const root = join(process.env.BENCH_PROFILE_DIR || '/tmp/prof', `${which}-${Date.now()}`);
  const dirs = { latchkey: join(root, 'latchkey'), bare: join(root, 'bare') };
  mkdirSync(dirs.latchkey, { recursive: true });
  mkdirSync(dirs.bare, { recursive: true });
  if (which === 'refresh') return profileRefresh(dirs);
  if (which === 'introspect' || which === 'verify' || which === 'unknown' || which === 'malformed') return profileKeyCase(which, dirs);

  const database = await createBenchDatabase();
  const latchkey = await startLatchkey(database.url, ['--cpu-prof', `--cpu-prof-dir=${dirs.latchkey}`]);
  let headers: Record<string, string> = {};
  let credential = 'ANONYMOUS';
  let user: { id: string; email: string } | null = null;
  if (which === 'access') {
    const signedUp = await signUpTokens(latchkey.base);
    headers = { authorization: `Bearer ${signedUp.accessToken}` };
    user = { id: signedUp.userId, email: signedUp.email };
    credential = 'ACCESS_TOKEN';
  } else if (which === 'cookie') {
    const signedUp = await signUpCookie(latchkey.base);
    headers = { cookie: signedUp.cookie };
    user = { id: signedUp.userId, email: signedUp.email };
    credential = 'SESSION_COOKIE';
  }
  const checked = await gql(latchkey.base, CHECK_QUERY, undefined, headers);
  if (checked.json?.data?.viewer?.credential !== credential) throw new Error(`expected ${credential}, got ${checked.text}`);

  const query = which === 'anonymous' ? CREDENTIAL_QUERY : USER_QUERY;
  const expected = (u: { id: string; email: string } | null) =>
    JSON.stringify(u === null ? { data: { viewer: { credential: 'ANONYMOUS' } } } : { data: { viewer: { user: { id: u.id, email: u.email } } } });
  const drive = (base: string, h: Record<string, string>, expectBody: string) => (s: number) =>
    runCannon({ url: `${base}/graphql`, body: JSON.stringify({ query }), headers: h, expectBody, connections: 50, seconds: s, warmupSeconds: 0 });

  const ours = await profileRun(`latchkey ${which}`, latchkey.child, dirs.latchkey, drive(latchkey.base, headers, expected(user)));

  const bare = await startBareYoga(['--cpu-prof', `--cpu-prof-dir=${dirs.bare}`]);
  const bareExpected = expected(which === 'anonymous' ? null : BARE_USER);
  if ((await post(`${bare.base}/graphql`, { query })).text !== bareExpected) throw new Error('bare Yoga answered something else');
  const baseline = await profileRun('bare yoga', bare.child, dirs.bare, drive(bare.base, {}, bareExpected));

  report(which, query, ours, baseline);
  return 0;
}

runMain(main);
