import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { discover, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpAdmin, signUpUser } from '../helpers/users.ts';

// "Sign in with Latchkey" in a real browser, end to end: a relying party sends Chromium to
// /oauth/authorize, the user signs in on the server-rendered form, allows the app, and the browser lands
// on the app's loopback redirect URI with a code that oauth4webapi redeems; then the same for a
// single-page app on another origin that redeems, refreshes and revokes from the page itself (CORS).

/** The single-page app's callback page: it redeems the code, reads userinfo, refreshes and revokes, from the browser. */
function spaPage(settings: { issuer: string; clientId: string; redirectUri: string; verifier: string }): string {
  return `<!doctype html><title>spa</title><script>
const S = ${JSON.stringify(settings)};
const form = (fields) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
const answer = async (response) => ({ status: response.status, body: await response.text() });
(async () => {
  const code = new URLSearchParams(location.search).get('code');
  const token = await answer(await fetch(S.issuer + '/oauth/token', form({
    grant_type: 'authorization_code', client_id: S.clientId, code, redirect_uri: S.redirectUri, code_verifier: S.verifier })));
  const tokens = JSON.parse(token.body);
  const userinfo = await answer(await fetch(S.issuer + '/oauth/userinfo', { headers: { authorization: 'Bearer ' + tokens.access_token } }));
  const refresh = await answer(await fetch(S.issuer + '/oauth/token', form({
    grant_type: 'refresh_token', client_id: S.clientId, refresh_token: tokens.refresh_token })));
  const revoke = await answer(await fetch(S.issuer + '/oauth/revoke', form({
    client_id: S.clientId, token: JSON.parse(refresh.body).refresh_token, token_type_hint: 'refresh_token' })));
  const graphql = await fetch(S.issuer + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ viewer { credential } }' }) }).then(() => 'read', (error) => 'blocked: ' + error.name);
  window.result = { token, userinfo, refresh, revoke, graphql };
})().catch((error) => { window.result = { error: String(error) }; });
</script>`;
}

describeWithBrowser(`the authorization pages in a browser (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let callback: Server;
  let client: RegisteredClient;
  let spa: RegisteredClient;
  let as: oauth.AuthorizationServer;
  let spaVerifier = '';

  beforeAll(async () => {
    callback = createServer((req, res) => {
      const page = req.url?.startsWith('/spa')
        ? spaPage({ issuer: app.config.publicUrl, clientId: spa.clientId, redirectUri: spa.redirectUri, verifier: spaVerifier })
        : '<!doctype html><title>app</title>signed in';
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const { port } = callback.address() as AddressInfo;
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, { redirectUris: [`http://127.0.0.1:${port}/callback`], name: 'Photo Printer' });
    spa = await registerClient(app, admin.accessToken, { redirectUris: [`http://127.0.0.1:${port}/spa`], name: 'Photo Album', public: true });
    as = await discover(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    callback?.closeAllConnections();
    await new Promise((resolve) => callback?.close(resolve));
  });

  async function authorizationUrl(app: RegisteredClient, verifier: string, state: string, nonce: string): Promise<string> {
    const url = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: app.clientId, redirect_uri: app.redirectUri, response_type: 'code', scope: 'openid profile email',
      state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);
    return url.href;
  }

  it('signs the user in, asks for consent, and hands the app a code it redeems', async () => {
    const user = await signUpUser(app);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = { href: await authorizationUrl(client, verifier, state, nonce) };

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(url.href);
      expect(first?.status()).toBe(200);
      expect(await first?.headerValue('x-frame-options')).toBe('DENY');
      await expect(page.title()).resolves.toBe('Sign in to continue to Photo Printer');

      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.click('button[value=signin]')]);
      await expect(page.title()).resolves.toBe('Allow Photo Printer?');
      expect(await page.textContent('body')).toContain(user.email);
      const [cookie] = (await context.cookies()).filter((c) => c.name === SESSION_COOKIE);
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });

      await Promise.all([page.waitForURL((u) => u.href.startsWith(client.redirectUri)), page.click('button[value=allow]')]);
      const landed = page.url();
      expect(new URL(landed).searchParams.get('iss')).toBe(app.config.publicUrl);

      const tokens = await redeem(as, client, { redirectTo: landed, state, nonce, verifier });
      expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, email: user.email, aud: client.clientId, nonce });
    } finally {
      await context.close();
    }
  });

  it('lets a single-page app on another origin redeem, read userinfo, refresh and revoke from the page, but not read GraphQL', async () => {
    const user = await signUpUser(app);
    spaVerifier = oauth.generateRandomCodeVerifier();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(await authorizationUrl(spa, spaVerifier, oauth.generateRandomState(), oauth.generateRandomNonce()));
      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.click('button[value=signin]')]);
      await Promise.all([page.waitForURL((u) => u.href.startsWith(spa.redirectUri)), page.click('button[value=allow]')]);
      expect(new URL(page.url()).origin).not.toBe(new URL(app.config.publicUrl).origin);

      await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined);
      const result = await page.evaluate(() => (window as unknown as { result: Record<string, { status: number; body: string }> }).result);
      expect(result.token!.status).toBe(200);
      expect(JSON.parse(result.token!.body)).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email' });
      expect(result.userinfo!.status).toBe(200);
      expect(JSON.parse(result.userinfo!.body)).toMatchObject({ sub: user.userId, email: user.email });
      expect(result.refresh!.status).toBe(200);
      expect(result.revoke!.status).toBe(200);
      expect(result.graphql).toBe('blocked: TypeError');
    } finally {
      await context.close();
    }
  });
});
