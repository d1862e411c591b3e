import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations; the suite uses a small part of it.
import Provider from 'oidc-provider';

/** Where Latchkey's (imaginary) front end receives the provider's answer; nothing listens there. */
export const FRONT_END = 'https://app.example';
export const REDIRECT_URI = `${FRONT_END}/auth/done`;

export interface UpstreamAccount {
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly name?: string;
}

export interface Upstream {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Adds an account at the provider; its login (and `sub`) is `id`. */
  addAccount(id: string, account: UpstreamAccount): void;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /** false: email claims in the ID token; true (oidc-provider's default): only at userinfo. */
  readonly claimsOnlyAtUserinfo: boolean;
  /** Listen on this port (a provider that comes up after Latchkey started); default ephemeral. */
  readonly port?: number;
  /** Redirect URIs registered for Latchkey besides REDIRECT_URI. */
  readonly redirectUris?: readonly string[];
  /** Date its ID tokens this many seconds ahead (`iat`), as a provider whose clock runs fast would. */
  readonly idTokenClockAheadSeconds?: number;
}

/** Starts panva's oidc-provider on 127.0.0.1 as a real upstream provider, with a client registered for Latchkey. */
export async function startUpstream(options: UpstreamOptions): Promise<Upstream> {
  const accounts = new Map<string, UpstreamAccount>();
  const server: Server = createServer((req, res) => handler(req, res));
  let handler: (req: any, res: any) => void = (_req, res) => res.end();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'latchkey';
  const clientSecret = 'upstream-client-secret-for-latchkey-0123456789';
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [REDIRECT_URI, ...(options.redirectUris ?? [])],
      grant_types: ['authorization_code'], response_types: ['code'],
    }],
    findAccount: async (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          ...(account.email === undefined ? {} : { email: account.email, email_verified: account.emailVerified ?? false }),
          ...(account.name === undefined ? {} : { name: account.name }),
          ...(options.idTokenClockAheadSeconds === undefined ? {} : { iat: Math.floor(Date.now() / 1000) + options.idTokenClockAheadSeconds }),
        }),
      };
    },
    // oidc-provider signs a claims-provided `iat` as it is: listing it lets the clock-ahead option take effect.
    claims: { openid: options.idTokenClockAheadSeconds === undefined ? ['sub'] : ['sub', 'iat'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.claimsOnlyAtUserinfo,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['upstream-cookie-key-0123456789abcdef'] },
  });
  handler = provider.callback();
  return {
    issuer, clientId, clientSecret,
    addAccount: (id, account) => accounts.set(id, account),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the provider sends the browser back with. */
export interface ProviderAnswer {
  readonly code: string | null;
  readonly state: string | null;
  readonly error: string | null;
  /** RFC 9207: the issuer the provider names in its answer. */
  readonly iss: string | null;
}

/**
 * Signs in at the provider as a browser would: follows the authorization URL and its redirects with a
 * cookie jar, fills the login form (any password), confirms consent, and stops at the redirect to the
 * front end, whose query it returns. Only the provider's own (loopback) pages are fetched.
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<ProviderAnswer> {
  const jar = new Map<string, string>();
  const origin = new URL(authorizationUrl).origin;
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step += 1) {
    if (new URL(url).origin !== origin) {
      const answer = new URL(url).searchParams;
      return { code: answer.get('code'), state: answer.get('state'), error: answer.get('error'), iss: answer.get('iss') };
    }
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url).href;
      init = {};
      continue;
    }
    const page = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(page);
    if (form === null) throw new Error(`the provider answered ${response.status} without a form: ${page.slice(0, 500)}`);
    const fields = new URLSearchParams();
    for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(name!, value!);
    if (page.includes('name="login"')) {
      fields.set('login', login);
      fields.set('password', 'any password at all');
    }
    url = new URL(form[1]!.replaceAll('&amp;', '&'), url).href;
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() };
  }
  throw new Error('the provider kept redirecting');
}
