import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { discover, redeem, registerClient, signUpAdmin, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpUser } from '../helpers/users.ts';

// "Sign in with Latchkey" in a real browser, once end to end: a relying party sends Chromium to
// /oauth/authorize, the user signs in on the server-rendered form, allows the app, and the browser lands
// on the app's loopback redirect URI with a code that oauth4webapi redeems.

describe(`the authorization pages in a browser (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let callback: Server;
  let client: RegisteredClient;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    callback = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>signed in'));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const { port } = callback.address() as AddressInfo;
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, { redirectUris: [`http://127.0.0.1:${port}/callback`], name: 'Photo Printer' });
    as = await discover(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    callback?.closeAllConnections();
    await new Promise((resolve) => callback?.close(resolve));
  });

  it('signs the user in, asks for consent, and hands the app a code it redeems', async () => {
    const user = await signUpUser(app);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid profile email',
      state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);

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
});
