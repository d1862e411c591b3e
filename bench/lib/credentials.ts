/** Credentials on Latchkey, made over its HTTP API. */
import { randomBytes } from 'node:crypto';
import { LOGIN, PASSWORD, REFRESH, SIGN_UP } from '../queries.ts';
import { gql } from './http.ts';

export interface TokenUser {
  readonly email: string;
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export function benchEmail(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@bench.example.com`;
}

export async function signUpTokens(base: string, email = benchEmail('tokens')): Promise<TokenUser> {
  const reply = await gql(base, SIGN_UP, { input: { email, password: PASSWORD, delivery: 'TOKENS' } });
  const result = reply.json?.data?.signUp;
  if (reply.status !== 200 || result?.__typename !== 'TokenAuthPayload') throw new Error(`sign-up (TOKENS) failed: ${reply.status} ${reply.text}`);
  return { email, userId: result.user.id, accessToken: result.tokens.accessToken, refreshToken: result.tokens.refreshToken };
}

export interface CookieUser {
  readonly email: string;
  readonly userId: string;
  /** The whole Cookie header to send. */
  readonly cookie: string;
}

/** Signs up with COOKIE delivery, then logs in with COOKIE delivery, and keeps the login's cookie. */
export async function signUpCookie(base: string, email = benchEmail('cookie')): Promise<CookieUser> {
  const signUp = await gql(base, SIGN_UP, { input: { email, password: PASSWORD, delivery: 'COOKIE' } });
  const signedUp = signUp.json?.data?.signUp;
  if (signUp.status !== 200 || signedUp?.__typename !== 'CookieAuthPayload') throw new Error(`sign-up (COOKIE) failed: ${signUp.status} ${signUp.text}`);
  if ('tokens' in signedUp) throw new Error('sign-up with COOKIE delivery returned tokens in the body');
  const login = await gql(base, LOGIN, { input: { email, password: PASSWORD, delivery: 'COOKIE' } });
  if (login.status !== 200 || login.json?.data?.login?.__typename !== 'CookieAuthPayload') throw new Error(`login (COOKIE) failed: ${login.status} ${login.text}`);
  const setCookie = login.headers['set-cookie'] ?? [];
  const session = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-latchkey-session='));
  if (session === undefined) throw new Error(`login (COOKIE) set no __Host-latchkey-session cookie: ${JSON.stringify(setCookie)}`);
  return { email, userId: signedUp.user.id, cookie: session };
}

/** Exchanges a refresh token; throws unless it rotates. */
export async function refreshOnce(base: string, refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await gql(base, REFRESH, { token: refreshToken });
  const result = reply.json?.data?.refresh;
  if (reply.status !== 200 || result?.__typename !== 'TokenAuthPayload') throw new Error(`refresh failed: ${reply.status} ${reply.text}`);
  return { accessToken: result.tokens.accessToken, refreshToken: result.tokens.refreshToken };
}

/** Runs `task` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  }));
  return results;
}
