import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ACR_MFA } from '../../src/factors/acr.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp, jwtClaims, VERIFY } from '../helpers/factors.ts';
import { discover, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { openAuthenticatorPage, registerPasskey, type AuthenticatorPage } from '../helpers/passkeys.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// The authorization page's second step in Chromium: the code form (checked with axe-core), and the
// passkey button that our one first-party script runs against the DevTools virtual authenticator.
// The code ends at the client's redirect URI, redeemed by oauth4webapi.

describeWithBrowser(`the authorization page's second step in Chromium (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let client: RegisteredClient;
  let as: oauth.AuthorizationServer;
  const opened: AuthenticatorPage[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, { scopes: ['openid', 'email'], name: 'Photo Printer' });
    as = await discover(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const page of opened) await page.close().catch(() => {});
    await browser?.close();
    await app?.close();
  });
  beforeEach(() => awayFromStepEdge());

  async function start(page: Page, extra: Record<string, string> = {}) {
    const flow = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce() };
    const params = new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid email', state: flow.state, nonce: flow.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier), code_challenge_method: 'S256', ...extra,
    });
    await page.route((url) => url.href.startsWith(client.redirectUri), (route) => route.fulfill({ contentType: 'text/plain', body: 'back at the app' }));
    await page.goto(`${app.url}/oauth/authorize?${params}`);
    return flow;
  }
  async function password(page: Page, user: SignedUp) {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  }
  async function allowAndRedeem(page: Page, flow: Awaited<ReturnType<typeof start>>) {
    const back = page.waitForRequest((request) => request.url().startsWith(client.redirectUri));
    await page.getByRole('button', { name: 'Allow' }).click();
    const redirectTo = (await back).url();
    return redeem(as, client, { redirectTo, state: flow.state, nonce: flow.nonce, verifier: flow.verifier });
  }

  it('the code step has no serious or critical axe-core violation, runs no script, and signs in with a code', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const page = await (await browser.newContext()).newPage();
    const flow = await start(page);
    const response = page.waitForResponse((r) => r.request().method() === 'POST');
    await password(page, user);
    expect((await (await response).allHeaders())['content-security-policy']).not.toContain('script-src');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Code from your authenticator app, or a recovery code').fill(codeAt(secret, 3));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('That code is wrong or already used.');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Code from your authenticator app, or a recovery code').fill(codeAt(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    const tokens = await allowAndRedeem(page, flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: ['pwd', 'otp', 'mfa'] });
    await page.context().close();
  });

  it('offers a passkey after the password; our script runs the ceremony under a CSP of script-src \'self\', and the tokens say pwd hwk mfa', async () => {
    const user = await signUpUser(app);
    const authenticator = await openAuthenticatorPage(browser, app.url);
    opened.push(authenticator);
    await registerPasskey(app, user, authenticator);
    const { page } = authenticator;
    const flow = await start(page, { acr_values: ACR_MFA });
    const response = page.waitForResponse((r) => r.request().method() === 'POST');
    await password(page, user);
    const csp = (await (await response).allHeaders())['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(await page.locator('script').evaluateAll((scripts) => scripts.map((s) => [(s as HTMLScriptElement).src, s.textContent]))).toEqual([[`${app.url}/oauth/passkey.js`, '']]);
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await button.click();
    const tokens = await allowAndRedeem(page, flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: ['pwd', 'hwk', 'mfa'], acr: ACR_MFA });
    expect(jwtClaims(tokens.access_token).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('shows the form again with a message when the passkey is refused (here: a copy whose counter went back)', async () => {
    const user = await signUpUser(app);
    const authenticator = await openAuthenticatorPage(browser, app.url);
    opened.push(authenticator);
    await registerPasskey(app, user, authenticator);
    const copy = await authenticator.credentials();
    const { page } = authenticator;
    await start(page);
    await password(page, user);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await page.context().clearCookies();

    await authenticator.replaceAuthenticator(copy);
    await start(page);
    await password(page, user);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('That passkey could not be used. Try again, or enter a code.');
    expect(await page.getByLabel('Code from your authenticator app, or a recovery code').isVisible()).toBe(true);
  });

  it('refuses a passkey answer made for another sign-in attempt of the account, and that attempt still completes with it', async () => {
    const user = await signUpUser(app);
    const authenticator = await openAuthenticatorPage(browser, app.url);
    opened.push(authenticator);
    await registerPasskey(app, user, authenticator);
    // Attempt A through GraphQL: its options, answered by the authenticator.
    const attemptA = (await app.gql(/* GraphQL */ `
      mutation Login($input: LoginInput!) { login(input: $input) { ... on SecondFactorRequired { challenge passkeyOptions } } }`,
    { input: { email: user.email, password: PASSWORD } })).body.data.login;
    const assertion = await authenticator.get(attemptA.passkeyOptions);

    // Attempt B on the authorization page posts A's answer in its passkey form.
    const { page } = authenticator;
    await start(page);
    await password(page, user);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await page.evaluate((answer) => {
      const form = document.querySelector<HTMLInputElement>('input[name="action"][value="second_factor_passkey"]')!.form!;
      form.querySelector<HTMLInputElement>('input[name="passkey"]')!.value = answer;
      form.submit();
    }, assertion);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('That passkey could not be used. Try again, or enter a code.');
    expect(await app.database.rows(sql`select 1 from sessions where user_id = ${user.userId} and cookie_hash is not null`)).toEqual([]);

    const signedIn = (await app.gql(VERIFY, { input: { challenge: attemptA.challenge, passkey: assertion } })).body.data.verifySecondFactor;
    expect(signedIn).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId } });
  });

  it('signs in without a password from the sign-in screen\'s "Sign in with a passkey" link, which stays script-free itself', async () => {
    const user = await signUpUser(app);
    const authenticator = await openAuthenticatorPage(browser, app.url);
    opened.push(authenticator);
    await registerPasskey(app, user, authenticator);
    const { page } = authenticator;
    const signInScreen = page.waitForResponse((r) => r.url().includes('/oauth/authorize?'));
    const flow = await start(page);
    expect((await (await signInScreen).allHeaders())['content-security-policy']).not.toContain('script-src');
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await button.click();
    const tokens = await allowAndRedeem(page, flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: ['hwk', 'mfa'], acr: ACR_MFA });
  });
});
