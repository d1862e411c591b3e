/**
 * `npm run bench`: Latchkey's hot paths against a bare graphql-yoga server, measured in the same run.
 *
 * Creates a throw-away PostgreSQL database (BENCH_DATABASE_URL, default the local server), starts bare
 * Yoga and Latchkey as child processes, prepares credentials over HTTP, then measures each case as
 * alternating slices of Latchkey and bare Yoga (ABBA…), so that a machine whose load drifts during the
 * run moves both sides alike; the ratio is the median of the per-slice ratios.
 *  - autocannon (fixed body, every response compared byte for byte with the expected one) for
 *    anonymous, access token, session cookie and API key (its use counted); bare Yoga answers the same query;
 *  - closed loops of concurrent workers for refresh (each worker its own token chain) and login, next
 *    to the same closed loop against bare Yoga.
 *  - topApiKeys over a million seeded usage rows, timed as an admin and checked against a direct sum;
 *  - next to Better Auth on the same PostgreSQL server: the session-cookie "who am I" (bench/peers.ts).
 * Prints one line per case, then Markdown tables. Exits 1 if any answer was wrong or not 2xx.
 *
 * Settings (environment): BENCH_SECONDS (10, per case and side), BENCH_SLICES (5), BENCH_WARMUP (2),
 * BENCH_CONNECTIONS (50), BENCH_WORKERS (20), BENCH_DATABASE_URL.
 */
import os from 'node:os';
import postgres from 'postgres';
import {
  closeClientSockets, createBenchDatabase, gql, mapLimit, post, readCpu, refreshOnce, runCannon, runClosedLoop, runMain, signUpCookie,
  signUpTokens, startBareYoga, startLatchkey, startPlainHttp, BENCH_ADMIN, type TokenUser,
} from './lib.ts';
import { measureKeyCases, STORM_LOGINS } from './key-cases.ts';
import {
  CONNECTIONS, failures, fmt, isCleanPair, loadAverage, paired, SECONDS, SLICES, WARMUP, WORKERS, type Pair, type Side,
} from './paired.ts';
import { measureBetterAuth } from './peers.ts';
import { ViewerDocument } from '../client/src/gql/graphql.ts';
import { BARE_USER, CHECK_QUERY, CREATE_KEY, CREDENTIAL_QUERY, LOGIN, PASSWORD, REFRESH, TOP_KEYS, USER_QUERY } from './queries.ts';

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

async function main(): Promise<number> {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = os.cpus().length;
  const loadAtStart = loadAverage();
  process.stdout.write(`Latchkey benchmark: Node ${process.version}, ${cpu}, ${cores} cores; load average ${loadAtStart}\n`);
  if (os.loadavg()[0]! > cores / 2) {
    process.stdout.write(`warning: the machine is busy (load average ${loadAtStart} on ${cores} cores): figures will be low and noisy\n`);
  }
  process.stdout.write(
    `autocannon: ${CONNECTIONS} connections, pipelining 1; closed loops: ${WORKERS} workers; per case ${WARMUP} s warm-up per side, ` +
    `then ${SLICES} alternating slices of ${fmt(SECONDS / SLICES, 1)} s per side\n\n`,
  );

  const database = await createBenchDatabase();
  process.stderr.write(`bench: database ${database.name} (PostgreSQL ${database.serverVersion})\n`);
  const [bare, latchkey, plain] = await Promise.all([startBareYoga(), startLatchkey(database.url), startPlainHttp()]);
  const bareUrl = `${bare.base}/graphql`;
  const latchkeyUrl = `${latchkey.base}/graphql`;

  // --- Credentials, and what each case must answer. --------------------------------------------------
  const tokenUser = await signUpTokens(latchkey.base);
  const cookieUser = await signUpCookie(latchkey.base);
  const loopUsers = await mapLimit(Array.from({ length: WORKERS }), 4, () => signUpTokens(latchkey.base));
  process.stderr.write(`bench: signed up ${2 + WORKERS} users\n`);

  const body = (query: string) => JSON.stringify({ query });
  const userBody = (user: { id: string; email: string }) => JSON.stringify({ data: { viewer: { user: { id: user.id, email: user.email } } } });
  const bareUserBody = userBody(BARE_USER);
  const anonymousBody = JSON.stringify({ data: { viewer: { credential: 'ANONYMOUS' } } });
  const tokenUserBody = userBody({ id: tokenUser.userId, email: tokenUser.email });
  const cookieUserBody = userBody({ id: cookieUser.userId, email: cookieUser.email });

  // Each expected body is confirmed once, with the credential kind Latchkey saw, before any load.
  expectEqual('bare Yoga, user query', (await post(bareUrl, { query: USER_QUERY })).text, bareUserBody);
  expectEqual('bare Yoga, credential query', (await post(bareUrl, { query: CREDENTIAL_QUERY })).text, anonymousBody);
  const check = async (what: string, headers: Record<string, string>, credential: string, user: { id: string; email: string } | null) => {
    const reply = await gql(latchkey.base, CHECK_QUERY, undefined, headers);
    expectEqual(`${what}: status`, reply.status, 200);
    expectEqual(`${what}: viewer`, reply.json?.data?.viewer, { credential, user });
  };
  await check('Latchkey, anonymous', {}, 'ANONYMOUS', null);
  expectEqual('Latchkey, anonymous credential query', (await post(latchkeyUrl, { query: CREDENTIAL_QUERY })).text, anonymousBody);
  // A token minted just now, so that it cannot expire during a long run.
  const fresh = await refreshOnce(latchkey.base, tokenUser.refreshToken);
  const bearer = { authorization: `Bearer ${fresh.accessToken}` };
  await check('Latchkey, access token', bearer, 'ACCESS_TOKEN', { id: tokenUser.userId, email: tokenUser.email });
  expectEqual('Latchkey, access token user query', (await post(latchkeyUrl, { query: USER_QUERY }, bearer)).text, tokenUserBody);
  const cookie = { cookie: cookieUser.cookie };
  await check('Latchkey, session cookie', cookie, 'SESSION_COOKIE', { id: cookieUser.userId, email: cookieUser.email });
  expectEqual('Latchkey, session cookie user query', (await post(latchkeyUrl, { query: USER_QUERY }, cookie)).text, cookieUserBody);
  // An API key of the same user (no scopes needed to read its own viewer); its use is counted.
  const created = await gql(latchkey.base, CREATE_KEY, { input: { name: 'bench' } }, bearer);
  const secret: string | undefined = created.json?.data?.createApiKey?.secret;
  if (secret === undefined) throw new Error(`createApiKey failed: ${created.text}`);
  const keyHeader = { 'x-api-key': secret };
  expectEqual('Latchkey, API key user query', (await post(latchkeyUrl, { query: USER_QUERY }, keyHeader)).text, tokenUserBody);
  // And a wrong credential must not pass: the same query with a forged token is refused.
  const forged = await post(latchkeyUrl, { query: USER_QUERY }, { authorization: `Bearer ${fresh.accessToken.slice(0, -4)}AAAA` });
  if (forged.status < 400) throw new Error(`a forged access token was accepted: ${forged.status} ${forged.text}`);

  async function loginStep(user: TokenUser) {
    const reply = await gql(latchkey.base, LOGIN, { input: { email: user.email, password: PASSWORD } });
    const result = reply.json?.data?.login;
    const ok = result?.__typename === 'TokenAuthPayload' && result.user?.id === user.userId && typeof result.tokens?.accessToken === 'string';
    return { status: reply.status, wrong: !ok, next: ok ? user : undefined };
  }

  const bareCpu = () => readCpu(bare.child.process.pid!);
  const latchkeyCpu = () => readCpu(latchkey.child.process.pid!, database.name);
  const cannon = (url: string, cpuOf: typeof bareCpu, query: string, expectBody: string, headers: Record<string, string> = {}): Side =>
    (seconds, warmupSeconds) => runCannon({ url, body: body(query), headers, expectBody, connections: CONNECTIONS, seconds, warmupSeconds, cpu: cpuOf });

  const ac = `autocannon, ${CONNECTIONS} connections`;
  const pairs: Pair[] = [];
  process.stdout.write('autocannon (Latchkey | bare Yoga with the same query):\n');
  pairs.push(await paired('anonymous', ac,
    cannon(latchkeyUrl, latchkeyCpu, CREDENTIAL_QUERY, anonymousBody), cannon(bareUrl, bareCpu, CREDENTIAL_QUERY, anonymousBody)));
  pairs.push(await paired('access token', ac,
    cannon(latchkeyUrl, latchkeyCpu, USER_QUERY, tokenUserBody, bearer), cannon(bareUrl, bareCpu, USER_QUERY, bareUserBody)));
  const cookieSide = cannon(latchkeyUrl, latchkeyCpu, USER_QUERY, cookieUserBody, cookie);
  pairs.push(await paired('session cookie', ac, cookieSide, cannon(bareUrl, bareCpu, USER_QUERY, bareUserBody)));

  pairs.push(await paired('API key', ac,
    cannon(latchkeyUrl, latchkeyCpu, USER_QUERY, tokenUserBody, keyHeader), cannon(bareUrl, bareCpu, USER_QUERY, bareUserBody)));

  // The ceiling: the same read against a plain node:http server answering bare Yoga's JSON, no GraphQL.
  const plainCpu = () => readCpu(plain.child.process.pid!);
  const plainSide = cannon(`${plain.base}/graphql`, plainCpu, USER_QUERY, bareUserBody);
  process.stdout.write('autocannon (Latchkey or bare Yoga | plain node:http answering the same JSON):\n');
  const ceiling = [
    await paired('access token ÷ node:http', ac, cannon(latchkeyUrl, latchkeyCpu, USER_QUERY, tokenUserBody, bearer), plainSide, 'node:http'),
    await paired('bare Yoga ÷ node:http', ac, cannon(bareUrl, bareCpu, USER_QUERY, bareUserBody), plainSide, 'node:http'),
  ];

  // Issue #17's cases: key introspection, verifyApiKey, a key's usage, a read during a login storm.
  process.stdout.write('autocannon (Latchkey | bare Yoga { viewer { user { id email } } }):\n');
  const keyCases = await measureKeyCases({
    base: latchkey.base, databaseUrl: database.url, bearer, cpu: latchkeyCpu, bare: cannon(bareUrl, bareCpu, USER_QUERY, bareUserBody),
    read: { query: USER_QUERY, expectBody: tokenUserBody }, login: loginStep, stormUsers: loopUsers.slice(0, STORM_LOGINS),
  });
  pairs.push(...keyCases.pairs);

  // The client's Viewer operation as a trusted document (its id) against the same operation as text.
  const trusted = await trustedDocumentPair(latchkeyUrl, latchkeyCpu, bearer);

  // --- Closed loops: refresh needs a new token per request, login costs an argon2id hash. -------------
  process.stdout.write(`closed loop, ${WORKERS} workers (Latchkey | bare Yoga { viewer { user { id email } } }):\n`);
  const bareSlots: (true | undefined)[] = Array.from({ length: WORKERS }, () => true);
  const bareLoop: Side = (seconds, warmupSeconds) => {
    bareSlots.fill(true);
    return runClosedLoop({
      states: bareSlots, seconds, warmupSeconds, cpu: bareCpu,
      step: async () => {
        const reply = await post(bareUrl, { query: USER_QUERY });
        return { status: reply.status, wrong: reply.text !== bareUserBody, next: true };
      },
    });
  };
  // Each worker keeps its own chain across slices: a refresh token works once.
  const chains: (TokenUser | undefined)[] = [...loopUsers];
  const refresh: Side = (seconds, warmupSeconds) => runClosedLoop<TokenUser>({
    states: chains, seconds, warmupSeconds, cpu: latchkeyCpu,
    step: async (user) => {
      const reply = await gql(latchkey.base, REFRESH, { token: user.refreshToken });
      const result = reply.json?.data?.refresh;
      const rotated = result?.__typename === 'TokenAuthPayload' && typeof result.tokens?.refreshToken === 'string'
        && result.tokens.refreshToken !== user.refreshToken && typeof result.tokens.accessToken === 'string';
      return { status: reply.status, wrong: !rotated, next: rotated ? { ...user, ...result.tokens } : undefined };
    },
  });
  pairs.push(await paired('refresh (rotation)', `closed loop, ${WORKERS} workers`, refresh, bareLoop));
  const loginSlots: (TokenUser | undefined)[] = [...loopUsers];
  const login: Side = (seconds, warmupSeconds) => runClosedLoop<TokenUser>({
    states: loginSlots, seconds, warmupSeconds, cpu: latchkeyCpu, step: loginStep,
  });
  pairs.push(await paired('login (argon2id)', `closed loop, ${WORKERS} workers`, login, bareLoop));
  const report = await timeTopApiKeys(database.url, latchkey.base);
  const peers = await measureBetterAuth(cookieSide, cookieUser.email);
  closeClientSockets();

  // --- The table. -----------------------------------------------------------------------------------
  const lines = [
    '',
    `Node ${process.version}, ${cpu} × ${cores} cores, PostgreSQL ${database.serverVersion.split(' ')[0]} on the same machine; ` +
      `the load generator, both servers and the database share the cores (load average ${loadAtStart} at the start, ${loadAverage()} at the end). ` +
      `Each case: ${SECONDS} s per side in ${SLICES} alternating slices after a ${WARMUP} s warm-up; × bare = median of the per-slice ratios ` +
      '(req/s: over 1 is faster; CPU/req: over 1 costs more). CPU/req: user + system time of the server processes per request ' +
      '(DB: of its PostgreSQL backends). Failed: non-2xx / connection errors / wrong bodies; every body is checked.',
    '',
    '| Case | Load | req/s | p99 (ms) | CPU/req server (DB), µs | Failed | bare Yoga req/s | bare p99 (ms) | × bare req/s | × bare CPU/req |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.map((p) => `| ${p.name} | ${p.load} | ${fmt(p.latchkey.requestsPerSecond)} | ${fmt(p.latchkey.p99Ms, 1)} | ` +
      `${fmt(p.latchkey.serverCpuUs)} (${fmt(p.latchkey.dbCpuUs)}) | ${failures(p.latchkey)} | ${fmt(p.other.requestsPerSecond)} | ` +
      `${fmt(p.other.p99Ms, 1)} | ${fmt(p.rpsRatio, 2)} | ${fmt(p.cpuRatio, 2)} |`),
    '',
    `The ceiling, the same user read against plain node:http answering the same JSON with no GraphQL (${ac}): ` +
      ceiling.map((p) => `${p.name} ${fmt(p.rpsRatio, 2)} req/s (${fmt(p.latchkey.requestsPerSecond)} against ${fmt(p.other.requestsPerSecond)}), ` +
        `${fmt(p.cpuRatio, 2)} CPU/req`).join('; ') + '.',
    '',
    `Login storm: the access-token read at a steady rate, its p99 ${fmt(keyCases.storm.pair.latchkey.p99Ms, 1)} ms while ${STORM_LOGINS} workers ` +
      `log in back to back (${fmt(keyCases.storm.loginsPerSecond, 1)} logins/s) against ${fmt(keyCases.storm.pair.other.p99Ms, 1)} ms alone: ` +
      `× ${fmt(keyCases.storm.p99Ratio, 2)} p99.`,
    '',
    `Trusted document: the client's Viewer operation with an access token, sent by id (${trusted.idBytes} bytes of body) ` +
      `and as text (${trusted.textBytes} bytes), Latchkey against itself (${ac}): by id ${fmt(trusted.pair.latchkey.requestsPerSecond)} req/s, ` +
      `CPU/req ${fmt(trusted.pair.latchkey.serverCpuUs)} µs; as text ${fmt(trusted.pair.other.requestsPerSecond)} req/s, ` +
      `CPU/req ${fmt(trusted.pair.other.serverCpuUs)} µs; × text: ${fmt(trusted.pair.rpsRatio, 2)} req/s, ${fmt(trusted.pair.cpuRatio, 2)} CPU/req.`,
    '',
    'Next to Better Auth, the same "who am I" request by session cookie (Latchkey: POST /graphql { viewer { user { id email } } }; ' +
      'Better Auth: GET /api/auth/get-session), each on its own database of the same PostgreSQL server; × BA = median of the per-slice ratios.',
    '',
    '| Better Auth configuration | Latchkey req/s | p99 (ms) | CPU/req server (DB), µs | BA req/s | BA p99 (ms) | BA CPU/req server (DB), µs | Failed (Latchkey, BA) | × BA req/s | × BA CPU/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...peers.map((p) => `| ${p.name.replace(/^Better Auth \((.*)\)$/, '$1')} | ${fmt(p.latchkey.requestsPerSecond)} | ${fmt(p.latchkey.p99Ms, 1)} | ` +
      `${fmt(p.latchkey.serverCpuUs)} (${fmt(p.latchkey.dbCpuUs)}) | ${fmt(p.other.requestsPerSecond)} | ${fmt(p.other.p99Ms, 1)} | ` +
      `${fmt(p.other.serverCpuUs)} (${fmt(p.other.dbCpuUs)}) | ${failures(p.latchkey)}; ${failures(p.other)} | ${fmt(p.rpsRatio, 2)} | ${fmt(p.cpuRatio, 2)} |`),
    '',
    `topApiKeys over ${fmt(report.rows)} minute rows (${fmt(report.keys)} keys, 30 days, with their hourly and daily rollups): ` +
      `median ${fmt(report.medianMs, 1)} ms over ${report.runs} calls, top key ${fmt(report.topRequests)} requests (checked against a direct sum).`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const dirty = [...pairs, ...ceiling, trusted.pair, ...peers].filter((p) => !isCleanPair(p));
  if (dirty.length > 0) {
    process.stdout.write(`NOT CLEAN: ${dirty.map((p) => p.name).join(', ')}: these figures are not valid.\n`);
    return 1;
  }
  return 0;
}

runMain(main);

/**
 * The same operation by trusted-document id and as text, both against Latchkey, in alternating slices:
 * what skipping the document's bytes, its parse-cache lookup and its validation-cache key saves per request.
 */
async function trustedDocumentPair(url: string, cpu: () => ReturnType<typeof readCpu>, headers: Record<string, string>) {
  const byId = JSON.stringify({ documentId: ViewerDocument.__meta__?.hash });
  const asText = JSON.stringify({ query: ViewerDocument.toString() });
  const [idReply, textReply] = [await post(url, JSON.parse(byId), headers), await post(url, JSON.parse(asText), headers)];
  expectEqual('trusted document: status', idReply.status, 200);
  // The manifest holds the document as the client preset normalised it (fields sorted): the same answer,
  // its keys in another order.
  expectEqual('trusted document: the same answer by id and as text', sortedKeys(JSON.parse(idReply.text)), sortedKeys(JSON.parse(textReply.text)));
  if (!idReply.text.includes('"credential":"ACCESS_TOKEN"')) throw new Error(`trusted document: unexpected answer ${idReply.text}`);
  const side = (body: string, expectBody: string): Side => (seconds, warmupSeconds) =>
    runCannon({ url, body, headers, expectBody, connections: CONNECTIONS, seconds, warmupSeconds, cpu });
  process.stdout.write('autocannon (Latchkey by trusted-document id | Latchkey with the same operation as text):\n');
  const pair = await paired('trusted document (by id)', `autocannon, ${CONNECTIONS} connections`, side(byId, idReply.text), side(asText, textReply.text), 'text');
  return { pair, idBytes: Buffer.byteLength(byId), textBytes: Buffer.byteLength(asText) };
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortedKeys(v)]));
}

/**
 * Seeds a million usage rows (minute buckets of many keys over 30 days, plus the hourly and daily
 * rollups the flush writes), then times `topApiKeys` over the whole period as an admin, checking
 * its answer against a direct sum over the minute rows.
 */
async function timeTopApiKeys(url: string, base: string) {
  const KEYS = 1_000;
  const MINUTES = 1_000;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [owner] = await sql<{ id: string }[]>`select id from users limit 1`;
    await sql`insert into api_keys (owner_id, name, hash, start, environment)
      select ${owner!.id}, 'seeded ' || i, 'seeded-hash-' || i, 'sk_live_seed', 'live' from generate_series(1, ${KEYS}) i`;
    // Spread each key's minutes over 30 days: 1,000 keys × 1,000 minutes = one million rows.
    await sql`insert into api_key_usage (key_id, start, requests, rate_limited, errors)
      select k.id, date_trunc('minute', now() - interval '30 days') + (m * 43) * interval '1 minute',
        1 + (abs(hashtext(k.id::text || m)) % 50), 0, 0
      from (select id from api_keys where name like 'seeded %') k, generate_series(0, ${MINUTES - 1}) m`;
    for (const [table, unit] of [['api_key_usage_hourly', 'hour'], ['api_key_usage_daily', 'day']] as const) {
      await sql`insert into ${sql(table)} (key_id, start, requests, rate_limited, errors)
        select key_id, date_trunc(${unit}, start, 'UTC'), sum(requests), sum(rate_limited), sum(errors)
        from api_key_usage group by 1, 2
        on conflict (key_id, start) do update set requests = excluded.requests`;
    }
    await sql`analyze`;
    const [count] = await sql<{ rows: number }[]>`select count(*)::int as rows from api_key_usage`;
    const rows = count!.rows;
    const [expected] = await sql<{ requests: number }[]>`select sum(requests)::int as requests from api_key_usage group by key_id order by 1 desc limit 1`;
    const admin = await gql(base, LOGIN, { input: { email: BENCH_ADMIN.email, password: BENCH_ADMIN.password } });
    const token: string | undefined = admin.json?.data?.login?.tokens?.accessToken;
    if (token === undefined) throw new Error(`admin login failed: ${admin.text}`);
    const variables = { from: new Date(Date.now() - 31 * 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const times: number[] = [];
    let topRequests = 0;
    for (let i = 0; i < 7; i += 1) {
      const started = performance.now();
      const reply = await gql(base, TOP_KEYS, variables, { authorization: `Bearer ${token}` });
      times.push(performance.now() - started);
      topRequests = reply.json?.data?.topApiKeys?.[0]?.requests;
      if (topRequests !== expected!.requests) throw new Error(`topApiKeys answered ${reply.text}, expected a top of ${expected!.requests}`);
    }
    times.sort((a, b) => a - b);
    return { rows, keys: KEYS, runs: times.length, medianMs: times[Math.floor(times.length / 2)]!, topRequests };
  } finally {
    await sql.end();
  }
}
