import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { postForm, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpAdmin, signUpUser } from '../helpers/users.ts';

// A single-page app nobody here wrote the protocol of: oidc-client-ts (served from node_modules, from a
// loopback origin of its own) signs in with the code flow and PKCE, refreshes, and signs out through
// RP-Initiated Logout, in Chromium.
const LIBRARY = readFileSync(join(dirname(createRequire(import.meta.url).resolve('oidc-client-ts')), '..', 'browser', 'oidc-client-ts.min.js'), 'utf8');

function appPage(settings: Record<string, string>, script: string): string {
  return `<!doctype html><title>album</title><script src="/oidc-client-ts.js"></script><script>
const manager = new oidc.UserManager({ ...${JSON.stringify(settings)}, response_type: 'code', scope: 'openid email',
  userStore: new oidc.WebStorageStateStore({ store: window.localStorage }) });
window.manager = manager;
(async () => { ${script} })().then((value) => { window.result = value ?? null; }, (error) => { window.result = { error: String(error) }; });
</script>`;
}

describeWithBrowser(`a single-page app on oidc-client-ts (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let spa: Server;
  let origin: string;
  let client: RegisteredClient;

  beforeAll(async () => {
    spa = createServer((req, res) => {
      const settings = { authority: app.config.publicUrl, client_id: client.clientId, redirect_uri: `${origin}/callback`, post_logout_redirect_uri: `${origin}/signed-out` };
      const path = new URL(req.url ?? '/', origin).pathname;
      if (path === '/oidc-client-ts.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(LIBRARY);
        return;
      }
      const script = path === '/callback'
        ? 'const user = await manager.signinRedirectCallback(); return { sub: user.profile.sub, email: user.profile.email, scope: user.scope, hasRefresh: !!user.refresh_token };'
        : path === '/signed-out'
          ? 'await manager.signoutRedirectCallback(); return { signedOut: (await manager.getUser()) === null };'
          : 'return "ready";';
      res.writeHead(200, { 'content-type': 'text/html' }).end(appPage(settings, script));
    });
    await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(spa.address() as AddressInfo).port}`;
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, {
      public: true, name: 'Photo Album', redirectUris: [`${origin}/callback`], postLogoutRedirectUris: [`${origin}/signed-out`], scopes: ['openid', 'email'],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    spa?.closeAllConnections();
    await new Promise((resolve) => spa?.close(resolve));
  });

  const resultOf = async (page: Page) => {
    await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined);
    return page.evaluate(() => (window as unknown as { result: any }).result);
  };

  it('signs in with code and PKCE, refreshes, and signs out through the end_session_endpoint', async () => {
    const user = await signUpUser(app);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      expect(await resultOf(page)).toBe('ready');
      await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.evaluate(() => { void (window as any).manager.signinRedirect(); })]);
      expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/oauth\/authorize\?/), page.click('button[value=signin]')]);
      await Promise.all([page.waitForURL((url) => url.href.startsWith(`${origin}/callback`)), page.click('button[value=allow]')]);
      expect(await resultOf(page)).toEqual({ sub: user.userId, email: user.email, scope: 'openid email', hasRefresh: true });

      // signinSilent with a refresh token is a refresh_token grant from the page (CORS, no cookie).
      const refreshed = await page.evaluate(async () => {
        const manager = (window as any).manager;
        const before = await manager.getUser();
        const after = await manager.signinSilent();
        return { rotated: after.refresh_token !== before.refresh_token, renewed: after.access_token !== before.access_token, sub: after.profile.sub };
      });
      expect(refreshed).toEqual({ rotated: true, renewed: true, sub: user.userId });
      const refreshToken = await page.evaluate(async () => (await (window as any).manager.getUser()).refresh_token as string);

      await Promise.all([page.waitForURL((url) => url.href.startsWith(`${origin}/signed-out`)), page.evaluate(() => { void (window as any).manager.signoutRedirect(); })]);
      expect(await resultOf(page)).toEqual({ signedOut: true });
      // Latchkey's own session ended too, and with it the app's grant.
      expect((await context.cookies()).filter((c) => c.name === SESSION_COOKIE)).toEqual([]);
      const refused = await postForm(app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId });
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await context.close();
    }
  });
});
