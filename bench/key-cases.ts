/**
 * The cases of issue #17, each next to bare Yoga in alternating slices: a key reading its own metadata,
 * verifyApiKey (a good key with a rate limit, a malformed one, an unknown one), a key's usage over a day,
 * and an authenticated read's p99 with and without a storm of concurrent logins.
 */
import postgres from 'postgres';
import { generateKey } from '../src/apikeys/format.ts';
import { gql, post, runCannon, runClosedLoop, type CpuSample, type Measurement, type TokenUser } from './lib.ts';
import { CONNECTIONS, paired, type Pair, type Side } from './paired.ts';
import { CREATE_KEY } from './queries.ts';

export const INTROSPECT_QUERY = '{ viewer { apiKey { id name scopes } } }';
export const VERIFY = 'mutation V($key: String!) { verifyApiKey(key: $key) { valid code apiKey { id } } }';
export const KEY_USAGE = 'query U($id: ID!, $from: DateTime!, $to: DateTime!) '
  + '{ apiKey(id: $id) { usage(from: $from, to: $to, granularity: HOUR) { start requests rateLimited errors } } }';

/** Concurrent logins of the storm, and the steady read measured during it. */
export const STORM_LOGINS = 16;
const READ_CONNECTIONS = 4;
const READ_RATE = 200;

export interface KeyCaseSetup {
  readonly base: string;
  readonly databaseUrl: string;
  /** The owner's access token (first-party: it may manage keys). */
  readonly bearer: Record<string, string>;
  readonly cpu: () => CpuSample;
  /** Bare Yoga answering the user query, autocannon at CONNECTIONS. */
  readonly bare: Side;
  /** The access-token user read and its expected body, for the storm. */
  readonly read: { readonly query: string; readonly expectBody: string };
  /** One login per call; `next` is the same user when it succeeded. */
  readonly login: (user: TokenUser) => Promise<{ status: number; next?: TokenUser; wrong?: boolean }>;
  readonly stormUsers: readonly TokenUser[];
}

async function createKey(setup: KeyCaseSetup, input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const query = CREATE_KEY.replace('{ secret }', '{ secret apiKey { id } }');
  const reply = await gql(setup.base, query, { input }, setup.bearer);
  const payload = reply.json?.data?.createApiKey;
  if (typeof payload?.secret !== 'string') throw new Error(`createApiKey failed: ${reply.text}`);
  return { id: payload.apiKey.id, secret: payload.secret };
}

async function expectAnswer(url: string, body: string, headers: Record<string, string>, expected: string, what: string) {
  const reply = await post(url, JSON.parse(body), headers);
  if (reply.status !== 200 || reply.text !== expected) throw new Error(`${what}: expected ${expected}, got ${reply.status} ${reply.text}`);
}

export async function measureKeyCases(setup: KeyCaseSetup): Promise<{ pairs: Pair[]; storm: StormFigures }> {
  const url = `${setup.base}/graphql`;
  const ac = `autocannon, ${CONNECTIONS} connections`;
  const side = (body: string, expectBody: string, headers: Record<string, string>): Side => (seconds, warmupSeconds) =>
    runCannon({ url, body, headers, expectBody, connections: CONNECTIONS, seconds, warmupSeconds, cpu: setup.cpu });
  const pairs: Pair[] = [];

  // A key reading its own metadata.
  const own = await createKey(setup, { name: 'introspect', scopes: [] });
  const introspectBody = JSON.stringify({ query: INTROSPECT_QUERY });
  const introspectAnswer = JSON.stringify({ data: { viewer: { apiKey: { id: own.id, name: 'introspect', scopes: [] } } } });
  await expectAnswer(url, introspectBody, { 'x-api-key': own.secret }, introspectAnswer, 'key introspection');
  pairs.push(await paired('key introspection', ac, side(introspectBody, introspectAnswer, { 'x-api-key': own.secret }), setup.bare));

  // A service holding apikeys:verify checks keys it was handed.
  const service = { 'x-api-key': (await createKey(setup, { name: 'verifier', scopes: ['apikeys:verify'] })).secret };
  const limited = await createKey(setup, { name: 'limited', scopes: [], rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
  const verifyBody = (key: string) => JSON.stringify({ query: VERIFY, variables: { key } });
  const verifyAnswer = (valid: boolean, code: string | null, id: string | null) =>
    JSON.stringify({ data: { verifyApiKey: { valid, code, apiKey: id === null ? null : { id } } } });
  const cases = [
    ['verifyApiKey (rate-limited key)', limited.secret, verifyAnswer(true, null, limited.id)],
    ['verifyApiKey (malformed)', 'sk_live_not-a-key', verifyAnswer(false, 'MALFORMED', null)],
    ['verifyApiKey (unknown)', generateKey('live'), verifyAnswer(false, 'NOT_FOUND', null)],
  ] as const;
  for (const [name, key, answer] of cases) {
    await expectAnswer(url, verifyBody(key), service, answer, name);
    pairs.push(await paired(name, ac, side(verifyBody(key), answer, service), setup.bare));
  }

  // A key's usage over one whole past day, hour by hour, read by its owner.
  const reported = await createKey(setup, { name: 'usage report', scopes: [] });
  const day = await seedDayOfUsage(setup.databaseUrl, reported.id);
  const usageBody = JSON.stringify({ query: KEY_USAGE, variables: { id: reported.id, from: day.from, to: day.to } });
  const usageReply = await post(url, JSON.parse(usageBody), setup.bearer);
  const buckets = JSON.parse(usageReply.text)?.data?.apiKey?.usage;
  if (!Array.isArray(buckets) || buckets.length !== 24 || buckets.some((b: { requests: number }, i: number) => b.requests !== 100 + i)) {
    throw new Error(`key usage: expected 24 hourly buckets, got ${usageReply.text}`);
  }
  pairs.push(await paired('key usage (a day, hourly)', ac, side(usageBody, usageReply.text, setup.bearer), setup.bare));

  const storm = await measureLoginStorm(setup);
  pairs.push(storm.pair);
  return { pairs, storm };
}

/** Seeds 24 hourly buckets (100, 101, … requests) for a key on the day before yesterday (UTC). */
async function seedDayOfUsage(databaseUrl: string, keyId: string): Promise<{ from: string; to: string }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [day] = await sql<{ from: Date; to: Date }[]>`
      select date_trunc('day', now() at time zone 'UTC' - interval '2 days') at time zone 'UTC' as from,
        date_trunc('day', now() at time zone 'UTC' - interval '1 day') at time zone 'UTC' as to`;
    await sql`insert into api_key_usage_hourly (key_id, start, requests, rate_limited, errors)
      select ${keyId}, ${day!.from} + h * interval '1 hour', 100 + h, 0, 0 from generate_series(0, 23) h`;
    return { from: day!.from.toISOString(), to: day!.to.toISOString() };
  } finally {
    await sql.end();
  }
}

export interface StormFigures {
  readonly pair: Pair;
  /** p99 during the storm over p99 without it (combined over the slices). */
  readonly p99Ratio: number;
  readonly loginsPerSecond: number;
}

/**
 * A steady authenticated read (READ_RATE req/s over READ_CONNECTIONS connections) measured alone and while
 * STORM_LOGINS workers log in back to back (argon2id each), in alternating slices.
 */
export async function measureLoginStorm(setup: KeyCaseSetup): Promise<StormFigures> {
  const url = `${setup.base}/graphql`;
  const body = JSON.stringify({ query: setup.read.query });
  const headers = setup.bearer;
  const read = (seconds: number, warmupSeconds: number) => runCannon({
    url, body, headers, expectBody: setup.read.expectBody, connections: READ_CONNECTIONS, rate: READ_RATE, seconds, warmupSeconds, cpu: setup.cpu,
  });
  const slots: (TokenUser | undefined)[] = setup.stormUsers.slice(0, STORM_LOGINS);
  if (slots.length < STORM_LOGINS) throw new Error(`the storm needs ${STORM_LOGINS} users`);
  let logins = 0;
  let loginSeconds = 0;
  const storm: Side = async (seconds, warmupSeconds) => {
    const loop = runClosedLoop<TokenUser>({ states: slots, seconds: warmupSeconds + seconds + 1, warmupSeconds: 0, step: setup.login });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const measured = await read(seconds, warmupSeconds);
    const loginRun = await loop;
    logins += loginRun.total;
    loginSeconds += loginRun.seconds;
    // A failed login makes the storm's figures invalid, as a failed read does.
    return { ...measured, non2xx: measured.non2xx + loginRun.non2xx, errors: measured.errors + loginRun.errors, wrong: measured.wrong + loginRun.wrong };
  };
  const quiet: Side = (seconds, warmupSeconds) => read(seconds, warmupSeconds);
  process.stdout.write(`read during a login storm (${READ_RATE} req/s over ${READ_CONNECTIONS} connections | the same read alone):\n`);
  const pair = await paired(`read p99, ${STORM_LOGINS}-login storm`, `${READ_RATE} req/s, ${STORM_LOGINS} logins`, storm, quiet, 'alone');
  return { pair, p99Ratio: pair.latchkey.p99Ms / pair.other.p99Ms, loginsPerSecond: logins / loginSeconds };
}

export type { Measurement };
