/**
 * Latchkey next to Better Auth, on the same PostgreSQL server (each on a database of its own): the same
 * "who am I" request, authenticated by a session cookie, measured in alternating slices.
 *  - Latchkey: POST /graphql `{ viewer { user { id email } } }` with `__Host-latchkey-session`;
 *  - Better Auth: GET /api/auth/get-session with `better-auth.session_token`, its documented way to ask
 *    who is signed in, once with its defaults (a database read per request) and once with its cookie
 *    cache (no database read; a revoked session is honoured only when the cached copy expires).
 * Every answer is compared byte for byte with the one confirmed before the load.
 */
import { createBenchDatabase, get, post, readCpu, runCannon, startBetterAuth, type Reply, type Server } from './lib.ts';
import { CONNECTIONS, paired, type Pair, type Side } from './paired.ts';
import { PASSWORD } from './queries.ts';

const cookiesOf = (reply: Reply) => (reply.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).filter((c) => !c.endsWith('='));

/** Signs up on `server` (or signs in, when `email` already has an account) and returns the Cookie header to send. */
async function signIn(server: Server, email: string, signUp: boolean): Promise<string> {
  const reply = signUp
    ? await post(`${server.base}/api/auth/sign-up/email`, { email, password: PASSWORD, name: 'Bench' })
    : await post(`${server.base}/api/auth/sign-in/email`, { email, password: PASSWORD });
  const cookies = cookiesOf(reply);
  if (reply.status !== 200 || !cookies.some((c) => c.startsWith('better-auth.session_token='))) {
    throw new Error(`Better Auth ${signUp ? 'sign-up' : 'sign-in'} failed: ${reply.status} ${reply.text}`);
  }
  return cookies.join('; ');
}

/** The get-session answer for `cookie`, checked to name `email`, twice alike, and refused to a forged cookie. */
async function confirmedSession(server: Server, cookie: string, email: string): Promise<string> {
  const url = `${server.base}/api/auth/get-session`;
  const first = await get(url, { cookie });
  const second = await get(url, { cookie });
  if (first.status !== 200 || JSON.parse(first.text)?.user?.email !== email) throw new Error(`Better Auth get-session: ${first.status} ${first.text}`);
  if (second.text !== first.text) throw new Error('Better Auth get-session answered differently twice; its body cannot be checked under load');
  const forged = await get(url, { cookie: 'better-auth.session_token=forged.forged' });
  if (forged.text !== 'null') throw new Error(`Better Auth accepted a forged session cookie: ${forged.text}`);
  return first.text;
}

export async function measureBetterAuth(latchkeyCookie: Side, email: string): Promise<Pair[]> {
  const database = await createBenchDatabase();
  const plain = await startBetterAuth(database.url, false);
  const cached = await startBetterAuth(database.url, true);
  const plainCookie = await signIn(plain, email, true);
  const cachedCookie = await signIn(cached, email, false);
  const side = (server: Server, cookie: string, expectBody: string): Side => (seconds, warmupSeconds) => runCannon({
    url: `${server.base}/api/auth/get-session`, headers: { cookie }, expectBody, connections: CONNECTIONS, seconds, warmupSeconds,
    cpu: () => readCpu(server.child.process.pid!, database.name),
  });
  const load = `autocannon, ${CONNECTIONS} connections`;
  process.stdout.write('peers, autocannon (Latchkey session cookie | Better Auth get-session with its session cookie):\n');
  const pairs = [
    await paired('Better Auth (defaults)', load, latchkeyCookie, side(plain, plainCookie, await confirmedSession(plain, plainCookie, email)), 'BA'),
    await paired('Better Auth (cookie cache)', load, latchkeyCookie,
      side(cached, cachedCookie, await confirmedSession(cached, cachedCookie, email)), 'BA'),
  ];
  await Promise.all([plain.child.stop(), cached.child.stop()]);
  return pairs;
}
