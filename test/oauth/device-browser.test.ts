import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp } from '../helpers/factors.ts';
import { clientOf, discover, INSECURE, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { PASSWORD, signUpAdmin, signUpUser } from '../helpers/users.ts';

// A command-line tool runs the device flow with oauth4webapi while the user, in Chromium, opens /device,
// signs in (with the account's second factor), types the code and allows the app.
describeWithBrowser(`the /device page in a browser (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let as: oauth.AuthorizationServer;
  let cli: RegisteredClient;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    as = await discover(app);
    cli = await registerClient(app, admin.accessToken, {
      public: true, name: 'Latchkey CLI', redirectUris: [], grantTypes: ['DEVICE_CODE', 'REFRESH_TOKEN'], scopes: ['openid', 'email'],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const startDevice = async () => {
    const [c, auth] = clientOf(cli);
    return oauth.processDeviceAuthorizationResponse(as, c, await oauth.deviceAuthorizationRequest(as, c, auth, { scope: 'openid email' }, INSECURE));
  };
  const poll = async (deviceCode: string) => {
    await app.database.rows(sql`update oauth_device_codes set last_polled_at = null where client_id = ${cli.clientId}`);
    const [c, auth] = clientOf(cli);
    return oauth.processDeviceCodeResponse(as, c, await oauth.deviceCodeGrantRequest(as, c, auth, deviceCode, INSECURE));
  };
  const accessible = async (page: Page) => expect(await seriousViolations(page), await page.title()).toEqual([]);

  it('signs in with the second factor, takes the typed code, and connects the device', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const device = await startDevice();
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(device.verification_uri);
      expect(await first?.headerValue('content-security-policy')).toContain("default-src 'none'");
      await expect(page.title()).resolves.toBe('Sign in to connect a device');
      await accessible(page);
      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[value=signin]');
      await expect(page.title()).resolves.toBe('Two-step verification');
      await accessible(page);
      await awayFromStepEdge();
      await page.fill('input[name=code]', codeAt(secret));
      await Promise.all([page.waitForURL(/\/device$/), page.click('button[value=second_factor]')]);

      await expect(page.title()).resolves.toBe('Connect a device');
      await accessible(page);
      await page.fill('input[name=user_code]', 'BCDF-GHJK');
      await page.click('button[type=submit]');
      expect(await page.textContent('[role=alert]')).toContain('That code is wrong or has expired');
      await page.fill('input[name=user_code]', device.user_code.toLowerCase());
      await page.click('button[type=submit]');
      await expect(page.title()).resolves.toBe('Allow Latchkey CLI?');
      expect(await page.textContent('main')).toContain(user.email);
      await accessible(page);
      await page.click('button[value=allow]');
      await expect(page.textContent('h1')).resolves.toBe('Your device is connected');
      await accessible(page);
      const tokens = await poll(device.device_code);
      // The session that approved passed the second factor: so do the device's tokens (RFC 8176 amr).
      expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: expect.arrayContaining(['mfa']) });

      // RP-Initiated Logout without a hint asks first (the same page kit): confirm, then signed out.
      await page.goto(`${app.config.publicUrl}/oauth/logout`);
      await expect(page.textContent('h1')).resolves.toBe('Sign out?');
      await accessible(page);
      await page.click('button[value=logout]');
      await expect(page.textContent('h1')).resolves.toBe('You are signed out');
      await accessible(page);
      // Without offline_access the device's grant ended with the session that approved it.
      const [c, auth] = clientOf(cli);
      await expect(oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token!, INSECURE)))
        .rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await context.close();
    }
  });

  it('opens the complete verification URI of a signed-in user on the consent screen, and Cancel denies the device', async () => {
    const user = await signUpUser(app);
    const device = await startDevice();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(device.verification_uri_complete!);
      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/user_code=/), page.click('button[value=signin]')]);
      await expect(page.title()).resolves.toBe('Allow Latchkey CLI?');
      await page.click('button[value=deny]');
      await expect(page.textContent('h1')).resolves.toBe('You did not connect the device');
    } finally {
      await context.close();
    }
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'access_denied' });
  });
});
