/**
 * Only the login-storm case of bench/key-cases.ts, for trying a change to password hashing:
 *   tsx bench/storm.ts   (BENCH_SECONDS, BENCH_SLICES, BENCH_WARMUP as in run.ts)
 */
import { createBenchDatabase, gql, mapLimit, readCpu, runMain, signUpTokens, startLatchkey, type TokenUser } from './lib.ts';
import { measureLoginStorm, STORM_LOGINS } from './key-cases.ts';
import { LOGIN, PASSWORD, USER_QUERY } from './queries.ts';

async function main(): Promise<number> {
  const database = await createBenchDatabase();
  const latchkey = await startLatchkey(database.url);
  const reader = await signUpTokens(latchkey.base);
  const users = await mapLimit(Array.from({ length: STORM_LOGINS }), 4, () => signUpTokens(latchkey.base));
  const figures = await measureLoginStorm({
    base: latchkey.base, databaseUrl: database.url, bearer: { authorization: `Bearer ${reader.accessToken}` },
    cpu: () => readCpu(latchkey.child.process.pid!, database.name),
    bare: () => Promise.reject(new Error('not used')),
    read: { query: USER_QUERY, expectBody: JSON.stringify({ data: { viewer: { user: { id: reader.userId, email: reader.email } } } }) },
    login: async (user: TokenUser) => {
      const reply = await gql(latchkey.base, LOGIN, { input: { email: user.email, password: PASSWORD } });
      const ok = reply.json?.data?.login?.__typename === 'TokenAuthPayload';
      return { status: reply.status, wrong: !ok, next: ok ? user : undefined };
    },
    stormUsers: users,
  });
  process.stdout.write(`read p99 ${figures.pair.latchkey.p99Ms.toFixed(1)} ms in the storm (${figures.loginsPerSecond.toFixed(1)} logins/s), `
    + `${figures.pair.other.p99Ms.toFixed(1)} ms alone: × ${figures.p99Ratio.toFixed(2)}\n`);
  return 0;
}

runMain(main);
