import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, mailingApp, type Mailbox } from '../helpers/mailbox.ts';
import { registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { NEW_PASSWORD, REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET } from '../helpers/recovery.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser } from '../helpers/users.ts';

// The hosted pages over HTTP, for what a browser test cannot see well: every bad input answers a page
// with a clear status and changes nothing, a GET spends no token, and the configuration is checked.

describe(`the hosted pages over HTTP (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  let client: RegisteredClient;
  mailingApp(async (started) => {
    ({ mailbox, app } = started);
    client = await registerClient(app, (await signUpAdmin(app)).accessToken, { name: 'Photo <Printer>' });
  });

  let address = 0;
  const fresh = () => ({ 'x-forwarded-for': `203.0.113.${++address}` });
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => app.fetch(path, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...fresh(), ...headers },
  });
  const login = async (email: string, password: string) =>
    (await app.gql(LOGIN, { input: { email, password } }, { headers: fresh() })).body.data.login.__typename;

  async function verificationToken(accessToken: string, email: string): Promise<string> {
    await app.gql(REQUEST_EMAIL_VERIFICATION, {}, { bearer: accessToken });
    return linkIn((await mailbox.next(email)).text).token;
  }
  async function resetToken(email: string): Promise<string> {
    await app.gql(REQUEST_PASSWORD_RESET, { email }, { headers: fresh() });
    return linkIn((await mailbox.next(email)).text).token;
  }
  const verified = async (accessToken: string) =>
    (await app.gql('{ me { emailVerified } }', {}, { bearer: accessToken })).body.data.me.emailVerified;

  it('serves /verify-email as a confirm button that spends nothing until it is pressed', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user.accessToken, user.email);
    for (let i = 0; i < 2; i += 1) {
      const page = await app.fetch(`/verify-email?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain(`<input type="hidden" name="token" value="${token}">`);
    }
    expect(await verified(user.accessToken)).toBe(false);
    const done = await form('/verify-email', { token });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`${user.email} is confirmed`);
    expect(await verified(user.accessToken)).toBe(true);
    const again = await form('/verify-email', { token });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('invalid, expired or was already used');
  });

  it('refuses a missing or bad token, a foreign POST and other methods with a page, and changes nothing', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user.accessToken, user.email);
    for (const path of ['/verify-email', '/reset-password']) {
      const missing = await app.fetch(path);
      expect(missing.status).toBe(400);
      expect(await missing.text()).toContain('needs the link from your email');
      expect((await form(path, { token: 'x'.repeat(43), new_password: NEW_PASSWORD })).status).toBe(400);
      expect((await form(path, {})).status).toBe(400);
      expect((await app.fetch(path, { method: 'PUT' })).status).toBe(405);
    }
    const foreign = await form('/verify-email', { token }, { origin: 'https://attacker.example' });
    expect(foreign.status).toBe(403);
    const crossSite = await form('/verify-email', { token }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await verified(user.accessToken)).toBe(false);
    expect((await form('/verify-email', { token })).status).toBe(200);
  });

  it('resets a password on /reset-password with the API\'s rules, keeps the link after a refused password, and signs out everywhere', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    const page = await app.fetch(`/reset-password?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('autocomplete="new-password"');

    for (const weak of ['short', 'password', user.email]) {
      const refused = await form('/reset-password', { token, new_password: weak });
      expect(refused.status).toBe(400);
      const html = await refused.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain(`name="token" value="${token}"`);
    }
    expect(await login(user.email, PASSWORD)).toBe('TokenAuthPayload');

    const done = await form('/reset-password', { token, new_password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('signed out everywhere');
    expect(await login(user.email, NEW_PASSWORD)).toBe('TokenAuthPayload');
    expect(await login(user.email, PASSWORD)).toBe('InvalidCredentialsError');
    expect((await app.gql('{ viewer { credential } }', {}, { bearer: user.accessToken })).status).toBe(401);
    expect((await form('/reset-password', { token, new_password: 'another long passphrase' })).status).toBe(400);
  });

  it('escapes what the user typed and the app\'s name, and keeps the email after a wrong password', async () => {
    const query = new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid email', state: 's',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), code_challenge_method: 'S256',
    });
    const signIn = await app.fetch(`/oauth/authorize?${query}`, { headers: fresh() });
    const html = await signIn.text();
    expect(html).toContain('Photo &#60;Printer&#62;');
    expect(html).not.toContain('Photo <Printer>');
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;
    const email = '"><script>alert(1)</script>@example.com';
    const wrong = await form('/oauth/authorize', { ...Object.fromEntries(query), csrf_token: csrf, action: 'signin', email, password: 'x' }, { cookie });
    expect(wrong.status).toBe(401);
    const again = await wrong.text();
    expect(again).toContain('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;@example.com"');
    expect(again).not.toContain('<script>');

    // The style element is the only style the CSP allows besides PAGES_STYLESHEET_URL: by its hash.
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(signIn.headers.get('content-security-policy'))
      .toBe(`default-src 'none'; img-src 'self'; style-src 'sha256-${hash}'; base-uri 'none'; frame-ancestors 'none'`);

    const forgot = await form('/oauth/authorize', { ...Object.fromEntries(query), csrf_token: csrf, action: 'forgot', email: 'nobody-here@example.com' }, { cookie });
    expect(forgot.status).toBe(200);
    expect(await forgot.text()).toContain('If an account uses nobody-here@example.com');
    const expired = await form('/oauth/authorize', { ...Object.fromEntries(query), csrf_token: 'forged', action: 'signup', email: 'x@example.com', password: PASSWORD }, { cookie });
    expect(expired.status).toBe(403);
    expect(await login('x@example.com', PASSWORD)).toBe('InvalidCredentialsError');
  });
});

describe('theming configuration', () => {
  const base = { PUBLIC_URL: 'https://id.example' };
  it('has a neutral default look', () => {
    const loaded = loadConfig(base);
    expect(loaded.ok && loaded.config.pages).toEqual({ productName: 'Latchkey', logoUrl: null, primaryColor: '#2457c5', stylesheetUrl: null });
  });
  it('names every bad PAGES_* variable', () => {
    const loaded = loadConfig({
      ...base, PAGES_PRODUCT_NAME: 'x'.repeat(61), PAGES_PRIMARY_COLOR: 'red;}body{display:none',
      PAGES_LOGO_URL: 'javascript:alert(1)', PAGES_STYLESHEET_URL: 'https://user:pw@cdn.example/x.css',
    });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems.map((p) => p.split(':')[0])).toEqual(
      ['PAGES_PRODUCT_NAME', 'PAGES_PRIMARY_COLOR', 'PAGES_LOGO_URL', 'PAGES_STYLESHEET_URL'],
    );
  });
});
