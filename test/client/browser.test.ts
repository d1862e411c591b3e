import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { PASSWORD, uniqueEmail } from '../helpers/users.ts';

// The client as a frontend ships it, in Chromium: a page on an allowed origin imports client/src (compiled
// to JavaScript module by module, as a bundler would) and signs in. The API runs in this process, so
// moving Date here moves the server's clock: access tokens expire for real while the page's clock stays.

const CLIENT_SRC = fileURLToPath(new URL('../../client/src/', import.meta.url));
const TTL_SECONDS = 60;
const PAST_EXPIRY_MS = (TTL_SECONDS + 31) * 1000;

/** The page: the client, and what it saw (refreshes sent, sign-outs), on window for the test to read. */
const PAGE = (api: string, delivery: 'COOKIE' | 'TOKENS') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>frontend</title></head><body><main>frontend</main>
<script type="module">
  import { LatchkeyClient, RefreshDocument } from '/client/index.js';
  window.seen = { refreshes: 0, signedOut: [] };
  const counted = (input, init) => {
    if (JSON.parse(init.body).documentId === RefreshDocument.__meta__.hash) window.seen.refreshes += 1;
    return fetch(input, init);
  };
  window.latchkey = new LatchkeyClient({
    url: ${JSON.stringify(`${api}/graphql`)}, delivery: '${delivery}', fetch: counted,
    onSignedOut: (reason) => window.seen.signedOut.push(reason),
  });
</script></body></html>`;

/** Serves the page at / and client/src/*.ts compiled to JavaScript at /client/*.js. */
async function serveFrontend(page: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page());
      return;
    }
    const match = /^\/client\/([a-z0-9/-]+)\.js$/.exec(path);
    const source = match === null ? null : `${CLIENT_SRC}${match[1]}.ts`;
    if (source === null || !existsSync(source)) {
      res.writeHead(404).end();
      return;
    }
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: true },
    });
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(outputText);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describeWithBrowser(`the client in a browser (${ENGINE})`, () => {
  let browser: Browser;
  let app: TestApp;
  let delivery: 'COOKIE' | 'TOKENS' = 'COOKIE';
  let frontend: Awaited<ReturnType<typeof serveFrontend>>;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    frontend = await serveFrontend(() => PAGE(app.url, delivery));
    app = await startTestApp({ env: { ALLOWED_ORIGINS: frontend.origin, ACCESS_TOKEN_TTL: String(TTL_SECONDS) } });
    browser = await launchChromium();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await frontend?.close();
  });

  async function openFrontend(as: 'COOKIE' | 'TOKENS'): Promise<Page> {
    delivery = as;
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${frontend.origin}/`);
    await page.waitForFunction(() => (window as any).latchkey !== undefined);
    return page;
  }

  const inPage = <T>(page: Page, script: string): Promise<T> => page.evaluate(script) as Promise<T>;
  const moveServerClockPastExpiry = () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + PAST_EXPIRY_MS);
  };

  it('signs in with cookie delivery and stays signed in across the access-token lifetime and the cookie re-check', async () => {
    const page = await openFrontend('COOKIE');
    const email = uniqueEmail('browser-client');
    const signedUp = await inPage<any>(page, `window.latchkey.signUp({ email: ${JSON.stringify(email)}, password: ${JSON.stringify(PASSWORD)} })`);
    expect(signedUp).toMatchObject({ ok: true, data: { user: { email } } });
    expect(await inPage(page, 'window.latchkey.tokens')).toBeNull();
    expect(await page.evaluate(() => document.cookie)).not.toContain(SESSION_COOKIE);
    const sessionId: string = signedUp.data.session.id;
    const lastUsed = async () => (await app.database.rows<{ at: string }>(sql`select last_used_at::text as at from sessions where id = ${sessionId}`))[0]!.at;
    const before = await lastUsed();

    // Past the access-token lifetime, the 30 s cookie re-check and the 1 min touch: the cookie is looked up again.
    moveServerClockPastExpiry();
    const viewers = await inPage<any[]>(page, 'Promise.all(Array.from({ length: 5 }, () => window.latchkey.viewer()))');
    for (const viewer of viewers) expect(viewer).toMatchObject({ ok: true, data: { credential: 'SESSION_COOKIE', user: { email }, session: { id: sessionId } } });
    expect(await inPage(page, 'window.seen')).toEqual({ refreshes: 0, signedOut: [] });
    expect(await lastUsed()).not.toBe(before);

    const out = await inPage<any>(page, 'window.latchkey.signOut()');
    expect(out).toEqual({ ok: true, data: { revokedSessions: 1 } });
    expect(await inPage(page, 'window.seen.signedOut')).toEqual(['signed-out']);
    expect(await inPage<any>(page, 'window.latchkey.viewer()')).toMatchObject({ ok: true, data: { credential: 'ANONYMOUS' } });
  });

  it('reports a cookie session ended elsewhere as signed out, reason revoked', async () => {
    const page = await openFrontend('COOKIE');
    const signedUp = await inPage<any>(page, `window.latchkey.signUp({ email: ${JSON.stringify(uniqueEmail('browser-revoked'))}, password: ${JSON.stringify(PASSWORD)} })`);
    await app.app.services.revoker.revokeOne(signedUp.data.user.id, signedUp.data.session.id);
    const result = await inPage<any>(page, 'window.latchkey.viewer()');
    expect(result).toMatchObject({ ok: false, error: { kind: 'request', code: 'UNAUTHENTICATED', reason: 'revoked', status: 401 } });
    expect(await inPage(page, 'window.seen.signedOut')).toEqual(['revoked']);
  });

  it('with token delivery, refreshes once for 20 concurrent requests when the server says the token expired', async () => {
    const page = await openFrontend('TOKENS');
    const email = uniqueEmail('browser-tokens');
    const signedUp = await inPage<any>(page, `window.latchkey.signUp({ email: ${JSON.stringify(email)}, password: ${JSON.stringify(PASSWORD)} })`);
    expect(signedUp.ok).toBe(true);
    const first = await inPage<string>(page, 'window.latchkey.tokens.accessToken');

    moveServerClockPastExpiry();
    const viewers = await inPage<any[]>(page, 'Promise.all(Array.from({ length: 20 }, () => window.latchkey.viewer()))');
    expect(viewers.filter((v) => v.ok && v.data.credential === 'ACCESS_TOKEN' && v.data.user.email === email)).toHaveLength(20);
    expect(await inPage(page, 'window.seen')).toEqual({ refreshes: 1, signedOut: [] });
    expect(await inPage<string>(page, 'window.latchkey.tokens.accessToken')).not.toBe(first);
  });
});
