import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/accounts/bootstrap-admin.ts';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, startMailbox, type Mailbox } from '../helpers/mailbox.ts';
import { discover, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { freePort } from '../helpers/server-process.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { LOGIN, PASSWORD, uniqueEmail } from '../helpers/users.ts';

// Every hosted page in Chromium, through its real flow, with JavaScript and without: a relying party
// sends the browser to /oauth/authorize; people sign up, confirm their address from the mailed link,
// forget and reset their password from the mailed link, sign in with an upstream provider (panva's
// oidc-provider), and allow or leave. The pages are themed from PAGES_* variables served from another
// origin, and axe-core checks each page for serious or critical accessibility violations.

const THEME = {
  PAGES_PRODUCT_NAME: 'Acme Identity',
  PAGES_PRIMARY_COLOR: '#0a6e4f',
};
const NEW_PASSWORD = 'a fresh and long passphrase';

describeWithBrowser(`the hosted pages in Chromium (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let mailbox: Mailbox;
  let upstream: Upstream;
  let assets: Server;
  let assetsOrigin: string;
  let client: RegisteredClient;
  let as: oauth.AuthorizationServer;
  const audited = new Map<string, string>();

  beforeAll(async () => {
    // The app's callback server (the relying party) and the theme's assets, on another origin than the app.
    assets = createServer((req, res) => {
      if (req.url === '/theme.css') {
        res.writeHead(200, { 'content-type': 'text/css' }).end('main{border-top:6px solid rgb(1, 2, 3)}');
      } else if (req.url === '/logo.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml' })
          .end('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#0a6e4f"/></svg>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>back at the app');
      }
    });
    await new Promise<void>((resolve) => assets.listen(0, '127.0.0.1', resolve));
    assetsOrigin = `http://127.0.0.1:${(assets.address() as AddressInfo).port}`;

    // The provider must know Latchkey's callback, which is known once Latchkey listens: it comes up second,
    // on a port chosen up front, and Latchkey discovers it on first use.
    const upstreamPort = await freePort();
    mailbox = await startMailbox();
    app = await startTestApp({
      env: {
        SMTP_URL: mailbox.url, REQUIRE_VERIFIED_EMAIL: 'true',
        OIDC_PROVIDERS: JSON.stringify([{
          id: 'acme', name: 'Acme ID', issuer: `http://127.0.0.1:${upstreamPort}`, clientId: 'latchkey',
          clientSecret: 'upstream-client-secret-for-latchkey-0123456789', trusted: true,
        }]),
        ...THEME, PAGES_LOGO_URL: `${assetsOrigin}/logo.svg`, PAGES_STYLESHEET_URL: `${assetsOrigin}/theme.css`,
      },
    });
    const admin = { email: uniqueEmail('admin'), password: PASSWORD };
    await bootstrapAdmin(app.database, admin);
    const { body } = await app.gql(LOGIN, { input: admin });
    client = await registerClient(app, body.data.login.tokens.accessToken, { redirectUris: [`${assetsOrigin}/callback`], name: 'Photo Printer' });
    as = await discover(app);
    upstream = await startUpstream({ claimsOnlyAtUserinfo: false, port: upstreamPort, redirectUris: [`${app.config.publicUrl}/auth/callback/acme`] });
    expect(upstream.clientSecret).toBe('upstream-client-secret-for-latchkey-0123456789');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await upstream?.close();
    await mailbox?.close();
    assets?.closeAllConnections();
    await new Promise((resolve) => assets?.close(resolve));
  });

  async function start(): Promise<{ url: string; verifier: string; state: string; nonce: string }> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid profile email',
      state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);
    return { url: url.href, verifier, state, nonce };
  }

  /** A fresh browser profile; CSP violations and page errors are collected, and each page is checked once by axe. */
  async function withBrowser(javaScriptEnabled: boolean, run: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ javaScriptEnabled });
    const refused: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (message) => {
        const ours = message.location().url.startsWith(app.config.publicUrl) || page.url().startsWith(app.config.publicUrl);
        // connect-src: axe-core, evaluated by the test, fetches stylesheets to read them; the pages run no script.
        if (ours && /Content Security Policy/i.test(message.text()) && !/connect-src/.test(message.text())) refused.push(message.text());
      });
      await run(page, context);
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  }

  /** Asserts the page has no serious or critical axe violation (once per page and state, in the JavaScript run). */
  async function expectAccessible(page: Page, javaScriptEnabled: boolean): Promise<void> {
    if (!javaScriptEnabled) return;
    const key = `${await page.title()}${await page.$('[role=alert]') === null ? '' : ' (with an error)'}`;
    if (audited.has(key)) return;
    audited.set(key, page.url());
    expect(await seriousViolations(page), key).toEqual([]);
  }

  const submit = (page: Page, selector: string) => Promise.all([page.waitForEvent('load'), page.click(selector)]);

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`signs up, confirms the address from the mailed link, keeps the email after a wrong password, and allows the app (${mode})`, async () => {
      const email = uniqueEmail('page-signup');
      const request = await start();
      await withBrowser(javaScriptEnabled, async (page, context) => {
        await page.goto(request.url);
        await expect(page.title()).resolves.toBe('Sign in to continue to Photo Printer');
        await expectAccessible(page, javaScriptEnabled);

        await submit(page, 'text=Create one');
        await expect(page.title()).resolves.toBe('Create an account to continue to Photo Printer');
        await expectAccessible(page, javaScriptEnabled);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'password');
        await submit(page, 'button[value=signup]');
        expect(await page.textContent('[role=alert]')).toMatch(/common/i);
        expect(await page.inputValue('input[name=email]')).toBe(email);
        await page.fill('input[name=password]', PASSWORD);
        await submit(page, 'button[value=signup]');
        expect(await page.textContent('[role=status]')).toContain(`We sent a link to ${email}`);

        const link = linkIn((await mailbox.next(email)).text);
        expect(link.url.startsWith(`${app.config.publicUrl}/verify-email?token=`)).toBe(true);
        await page.goto(link.url);
        await expect(page.title()).resolves.toBe('Confirm your email address');
        await expectAccessible(page, javaScriptEnabled);
        await submit(page, 'button[type=submit]');
        await expect(page.title()).resolves.toBe('Address confirmed');
        expect(await page.textContent('main')).toContain(`${email} is confirmed`);
        await expectAccessible(page, javaScriptEnabled);
        await page.goto(link.url);
        await expect(page.title()).resolves.toBe('Confirm your email address');
        await submit(page, 'button[type=submit]');
        expect(await page.textContent('[role=alert]')).toContain('invalid, expired or was already used');

        await page.goto(request.url);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'not the password');
        await submit(page, 'button[value=signin]');
        expect(await page.textContent('[role=alert]')).toBe('Wrong email or password.');
        expect(await page.inputValue('input[name=email]')).toBe(email);
        await page.fill('input[name=password]', PASSWORD);
        await submit(page, 'button[value=signin]');

        await expect(page.title()).resolves.toBe('Allow Photo Printer?');
        const consent = await page.textContent('main');
        expect(consent).toContain(email);
        expect(consent).toContain('See your email address');
        expect(consent).toContain('See your name');
        expect(consent).toContain(`you go back to ${new URL(client.redirectUri).host}`);
        expect(consent).not.toContain('openid');
        await expectAccessible(page, javaScriptEnabled);
        expect((await context.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(true);

        await Promise.all([page.waitForURL((u) => u.href.startsWith(client.redirectUri)), page.click('button[value=allow]')]);
        const tokens = await redeem(as, client, { redirectTo: page.url(), state: request.state, nonce: request.nonce, verifier: request.verifier });
        expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ email, email_verified: true });
      });
    }, 120_000);

    it(`mails a reset link from "forgot your password?", refuses a weak password, and sets a new one (${mode})`, async () => {
      const email = uniqueEmail('page-reset');
      await bootstrapAdmin(app.database, { email, password: PASSWORD });
      const request = await start();
      await withBrowser(javaScriptEnabled, async (page) => {
        await page.goto(request.url);
        await submit(page, 'text=Forgot your password?');
        await expect(page.title()).resolves.toBe('Reset your password');
        await expectAccessible(page, javaScriptEnabled);
        await page.fill('input[name=email]', email);
        await submit(page, 'button[value=forgot]');
        expect(await page.textContent('[role=status]')).toContain(`If an account uses ${email}`);

        const link = linkIn((await mailbox.next(email)).text);
        expect(link.page).toBe('reset-password');
        await page.goto(link.url);
        await expect(page.title()).resolves.toBe('Choose a new password');
        await expectAccessible(page, javaScriptEnabled);
        // The browser's own check (minlength) stops a short password when it can; the server's rules answer the rest.
        await page.fill('input[name=new_password]', 'password');
        await submit(page, 'button[type=submit]');
        expect(await page.textContent('[role=alert]')).toMatch(/common/i);
        await expectAccessible(page, javaScriptEnabled);
        await page.fill('input[name=new_password]', NEW_PASSWORD);
        await submit(page, 'button[type=submit]');
        await expect(page.title()).resolves.toBe('Password changed');
        await expectAccessible(page, javaScriptEnabled);

        await page.goto(request.url);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', NEW_PASSWORD);
        await submit(page, 'button[value=signin]');
        await expect(page.title()).resolves.toBe('Allow Photo Printer?');
      });
      expect((await app.gql(LOGIN, { input: { email, password: PASSWORD } })).body.data.login.__typename).toBe('InvalidCredentialsError');
    }, 120_000);

    it(`signs in with the upstream provider's button and comes back to the same request (${mode})`, async () => {
      const login = `upstream-${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}`;
      const email = uniqueEmail('page-upstream');
      upstream.addAccount(login, { email, emailVerified: true, name: 'Upstream Person' });
      const request = await start();
      await withBrowser(javaScriptEnabled, async (page) => {
        await page.goto(request.url);
        await submit(page, 'button:has-text("Continue with Acme ID")');
        expect(new URL(page.url()).origin).toBe(upstream.issuer);
        for (let step = 0; step < 5 && new URL(page.url()).origin === upstream.issuer; step += 1) {
          if (await page.$('input[name=login]') !== null) {
            await page.fill('input[name=login]', login);
            await page.fill('input[name=password]', 'any password at all');
          }
          await submit(page, 'button[type=submit]');
        }
        await expect(page.title()).resolves.toBe('Allow Photo Printer?');
        expect(await page.textContent('main')).toContain(email);
        await Promise.all([page.waitForURL((u) => u.href.startsWith(client.redirectUri)), page.click('button[value=allow]')]);
      });
    }, 120_000);

    it(`offers "not you?" on the consent page, which signs out and shows the sign-in form (${mode})`, async () => {
      const email = uniqueEmail('page-notyou');
      await bootstrapAdmin(app.database, { email, password: PASSWORD });
      const request = await start();
      await withBrowser(javaScriptEnabled, async (page, context) => {
        await page.goto(request.url);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await submit(page, 'button[value=signin]');
        await expect(page.title()).resolves.toBe('Allow Photo Printer?');
        await submit(page, 'button[value=switch]');
        await expect(page.title()).resolves.toBe('Sign in to continue to Photo Printer');
        expect(await page.inputValue('input[name=email]')).toBe('');
        expect((await context.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(false);

        await page.goto(request.url.replace(/client_id=[^&]+/, 'client_id=lk_nobody'));
        await expect(page.title()).resolves.toBe('Something went wrong');
        expect(await page.textContent('[role=alert]')).toContain('cannot accept');
        await expectAccessible(page, javaScriptEnabled);
      });
    }, 120_000);
  }

  it('shows the theme of the PAGES_* variables on every page, within the pages\' CSP, and fits a phone', async () => {
    await withBrowser(true, async (page) => {
      for (const path of [(await start()).url, ...['verify-email', 'reset-password', 'confirm-email-change'].map((page) => `${app.config.publicUrl}/${page}?token=x`)]) {
        const response = await page.goto(path);
        const csp = response!.headers()['content-security-policy']!;
        expect(csp).toContain(`img-src 'self' ${assetsOrigin}`);
        expect(csp).toMatch(new RegExp(`style-src 'sha256-[A-Za-z0-9+/=]+' ${assetsOrigin}`));
        expect(csp).toContain("default-src 'none'");
        expect(await page.textContent('header')).toBe(THEME.PAGES_PRODUCT_NAME);
        expect(await page.$eval('header img', (img) => (img as HTMLImageElement).naturalWidth)).toBe(32);
        expect(await page.$eval('main', (main) => getComputedStyle(main).borderTopColor)).toBe('rgb(1, 2, 3)');
        expect(await page.$eval('button.primary', (button) => getComputedStyle(button).backgroundColor)).toBe('rgb(10, 110, 79)');
        expect(await seriousViolations(page)).toEqual([]);
      }
    });
    const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true });
    try {
      const page = await phone.newPage();
      await page.goto((await start()).url);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    } finally {
      await phone.close();
    }
  }, 60_000);
});
