import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { PASSWORD, uniqueEmail } from '../helpers/users.ts';

// The whole cookie flow in a real browser: a frontend page on an allowed origin signs in with COOKIE
// delivery, cannot read the cookie, is authenticated by it on the next request, and logs out; pages
// on origins that are not allowed cannot use the cookie (forms, fetch) to change anything.
//
// The API listens at http://localhost:<api>. The frontend is served at http://localhost:<frontend>: a
// different origin but the same site (cookies are not port-specific), which a SameSite=Lax cookie
// needs to travel on the frontend's fetches. Chromium counts http://localhost as a secure context, so
// it accepts the Secure `__Host-` cookie over plain HTTP there.

const SIGN_UP_WITH_COOKIE = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on AuthPayload { user { email } session { id } } ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on Error { code message }
    }
  }`;
const VIEWER = '{ viewer { credential user { email } session { id } } }';
const LOGOUT = 'mutation { logout { revokedSessions } }';

/** Runs in the page: the frontend's own GraphQL client, sending the cookie to the API. */
const CLIENT_SCRIPT = `
  window.gql = async (query, variables) => {
    const response = await fetch(API + '/graphql', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json() };
  };`;

/** A page on an origin that is not allowed, trying to log the signed-in user out behind their back. */
const FORGED_FORMS = `
  <form id="urlencoded" method="POST" action="API/graphql" enctype="application/x-www-form-urlencoded">
    <input name="query" value="${LOGOUT}">
  </form>
  <form id="text-plain" method="POST" action="API/graphql" enctype="text/plain">
    <input name='{"query":"${LOGOUT}","padding":"' value='"}'>
  </form>`;

interface PageServer {
  /** http://localhost:<port>, or http://127.0.0.1:<port> when asked for: the origin a browser sees. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves one HTML page at / from a loopback port (the API's URL is filled in when it is known). */
async function servePage(body: () => string, host: 'localhost' | '127.0.0.1' = 'localhost'): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>page</title></head><body>${body()}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface PageResult {
  readonly status: number;
  readonly body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

describeWithBrowser(`the session cookie in a browser (${ENGINE})`, () => {
  let browser: Browser;
  let app: TestApp;
  let frontend: PageServer;
  let sameSiteAttacker: PageServer;
  let crossSiteAttacker: PageServer;
  let context: BrowserContext | undefined;

  const script = (source: string) => `<script>const API = ${JSON.stringify(app.url)};${source}</script>`;
  const forms = () => FORGED_FORMS.replaceAll('API/', `${app.url}/`);

  beforeAll(async () => {
    frontend = await servePage(() => script(CLIENT_SCRIPT));
    sameSiteAttacker = await servePage(forms);
    crossSiteAttacker = await servePage(forms, '127.0.0.1');
    app = await startTestApp({ env: { ALLOWED_ORIGINS: frontend.origin } });
    browser = await launchChromium();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all([frontend, sameSiteAttacker, crossSiteAttacker].map((s) => s?.close()));
  });

  async function openFrontend(): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${frontend.origin}/`);
    return page;
  }

  const gql = (page: Page, query: string, variables: Record<string, unknown> = {}): Promise<PageResult> =>
    page.evaluate(([q, v]) => (window as any).gql(q, v), [query, variables] as const);

  const sessionCookies = async () => (await context!.cookies()).filter((c) => c.name === SESSION_COOKIE);

  const revokedAt = async (sessionId: string) =>
    (await app.database.rows<{ revoked_at: Date | string | null }>(sql`select revoked_at from sessions where id = ${sessionId}`))[0]?.revoked_at;

  async function signUpWithCookie(page: Page) {
    const email = uniqueEmail('browser');
    const { status, body } = await gql(page, SIGN_UP_WITH_COOKIE, { input: { email, password: PASSWORD, delivery: 'COOKIE' } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.signUp).toMatchObject({ __typename: 'CookieAuthPayload', user: { email } });
    expect(body.data.signUp).not.toHaveProperty('tokens');
    return { email, sessionId: body.data.signUp.session.id as string };
  }

  it('signs in with a cookie JavaScript cannot read, is authenticated by it, and logout ends it', async () => {
    const page = await openFrontend();
    const { email, sessionId } = await signUpWithCookie(page);

    const [cookie, ...others] = await sessionCookies();
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({ name: SESSION_COOKIE, domain: 'localhost', path: '/', httpOnly: true, secure: true, sameSite: 'Lax' });
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(cookie!.expires * 1000).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(await page.evaluate(() => document.cookie)).not.toContain(SESSION_COOKIE);
    expect(await page.evaluate(() => document.cookie)).not.toContain(cookie!.value);

    const signedIn = await gql(page, VIEWER);
    expect(signedIn).toEqual({ status: 200, body: { data: { viewer: { credential: 'SESSION_COOKIE', user: { email }, session: { id: sessionId } } } } });

    const logout = await gql(page, LOGOUT);
    expect(logout).toEqual({ status: 200, body: { data: { logout: { revokedSessions: 1 } } } });
    expect(await sessionCookies()).toEqual([]);
    expect(await revokedAt(sessionId)).not.toBeNull();

    const after = await gql(page, VIEWER);
    expect(after).toEqual({ status: 200, body: { data: { viewer: { credential: 'ANONYMOUS', user: null, session: null } } } });

    const replayed = await app.gql('{ viewer { credential } }', {}, {
      cookie: `${SESSION_COOKIE}=${cookie!.value}`,
      headers: { origin: frontend.origin },
    });
    expect(replayed.status).toBe(401);
    expect(replayed.body.data).toBeUndefined();
    expect(replayed.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });

  it.each([
    ['a same-site page on an origin that is not allowed', () => sameSiteAttacker, true],
    ['a cross-site page', () => crossSiteAttacker, false],
  ])('keeps the session alive when %s forges forms and credentialed fetches with the cookie', async (_what, attackerServer, cookieTravels) => {
    const page = await openFrontend();
    const { sessionId } = await signUpWithCookie(page);
    const attacker = await context!.newPage();
    const attackerOrigin = attackerServer().origin;

    for (const form of ['urlencoded', 'text-plain']) {
      await attacker.goto(`${attackerOrigin}/`);
      const [response] = await Promise.all([
        attacker.waitForResponse((r) => r.url() === `${app.url}/graphql` && r.request().method() === 'POST'),
        attacker.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), form),
      ]);
      const sent = await response.request().allHeaders();
      expect(sent.origin, form).toBe(attackerOrigin);
      // Same-site, the browser does attach the Lax cookie: only the server stands in the way.
      expect((sent.cookie ?? '').includes(SESSION_COOKIE), form).toBe(cookieTravels);
      expect(response.status(), form).toBe(403);
      expect(await response.text(), form).not.toContain('revokedSessions');
    }

    await attacker.goto(`${attackerOrigin}/`);
    for (const contentType of ['application/json', 'text/plain']) {
      // JSON is preflighted and never sent; text/plain is sent (and refused) but its answer stays unreadable.
      const outcome = await attacker.evaluate(async ([api, type, query]) => {
        try {
          const response = await fetch(`${api}/graphql`, {
            method: 'POST', credentials: 'include', headers: { 'content-type': type }, body: JSON.stringify({ query }),
          });
          return `read ${response.status}: ${await response.text()}`;
        } catch (error) {
          return `rejected: ${String(error)}`;
        }
      }, [app.url, contentType, LOGOUT] as const);
      expect(outcome, contentType).toMatch(/^rejected: TypeError/);
    }

    expect(await revokedAt(sessionId)).toBeNull();
    expect(await sessionCookies()).toHaveLength(1);
    expect(await gql(page, VIEWER)).toMatchObject({ status: 200, body: { data: { viewer: { credential: 'SESSION_COOKIE', session: { id: sessionId } } } } });
  });
});
