import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { checkPage, inConsole, ready, signInToConsole, type ConsoleState } from '../helpers/console.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, discover, redeem, registerClient } from '../helpers/oauth.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// The admin console's changes in Chromium, each checked where it takes effect: one of a user's sessions
// revoked (its tokens refused over HTTP, the other's not), an app's grants as the API lists them (and one
// ended), a key's rate limit edited (then 429), an app's redirect URIs edited, the audit log filtered by
// target and by actor.

const WHO = '{ viewer { credential } }';
const REFRESH = 'mutation F($input: RefreshInput!) { refresh(input: $input) { __typename } }';
const SCREENSHOTS = join(tmpdir(), `latchkey-console-edits-${process.pid}`);
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

describeWithBrowser(`the admin console's changes in Chromium (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let admin: SignedUp;
  let owner: SignedUp;
  let state: ConsoleState;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    owner = await signUpUser(app);
    mkdirSync(SCREENSHOTS, { recursive: true });
    console.log(`admin console screenshots: ${SCREENSHOTS}`);
    browser = await launchChromium();
    await inConsole(browser, async (page, context) => {
      await signInToConsole(page, app.url, admin.email);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      state = await context.storageState();
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const status = async (options: { bearer?: string; headers?: Record<string, string> }) => (await app.gql(WHO, {}, options)).status;
  const asAdmin = async (query: string, variables: Record<string, unknown> = {}) => (await app.gql(query, variables, { bearer: admin.accessToken })).body.data;

  async function open(page: Page, path: string): Promise<void> {
    await page.goto(`${app.url}/admin${path}`);
    await ready(page);
  }

  async function loginFrom(email: string, userAgent: string): Promise<{ accessToken: string; refreshToken: string }> {
    const { body } = await app.gql(LOGIN, { input: { email, password: PASSWORD } }, { headers: { 'user-agent': userAgent } });
    return body.data.login.tokens;
  }

  it('revokes one of a user\'s sessions: its access and refresh tokens are refused, the other session goes on', async () => {
    const user = await signUpUser(app);
    const laptop = await loginFrom(user.email, 'Laptop browser');
    const phone = await loginFrom(user.email, 'Phone app');
    await inConsole(browser, async (page) => {
      await open(page, `/users/${user.userId}`);
      const sessions = page.getByRole('table', { name: 'Live sessions, newest first' });
      await expect(sessions.locator('tbody tr').count()).resolves.toBe(3);
      await page.getByRole('button', { name: /^Revoke the session of Phone app/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke this session?' });
      await checkPage(page, SCREENSHOTS, 'session-revoke-dialog');
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      // The page is drawn again once the API has answered.
      await expect.poll(() => sessions.locator('tbody tr').count()).toBe(2);
      await ready(page);
      await expect(sessions.innerText()).resolves.not.toContain('Phone app');
      await expect(sessions.innerText()).resolves.toContain('Laptop browser');
      await checkPage(page, SCREENSHOTS, 'user-one-session-revoked');
    }, state);
    expect(await status({ bearer: phone.accessToken })).toBe(401);
    expect((await app.gql(REFRESH, { input: { refreshToken: phone.refreshToken } })).body.data.refresh.__typename).toBe('InvalidTokenError');
    expect(await status({ bearer: laptop.accessToken })).toBe(200);
    expect((await app.gql(REFRESH, { input: { refreshToken: laptop.refreshToken } })).body.data.refresh.__typename).toBe('TokenAuthPayload');
  });

  it('shows an app\'s grants with the numbers the API answers, and ends one', async () => {
    const client = await registerClient(app, admin.accessToken, { name: 'Grants App', scopes: ['openid', 'email', 'offline_access'] });
    const as = await discover(app);
    const reader = await signUpUser(app);
    const keeper = await signUpUser(app);
    const readerTokens = await redeem(as, client, await authorize(app, reader.accessToken, client, { scope: 'openid email' }));
    await redeem(as, client, await authorize(app, keeper.accessToken, client, { scope: 'openid offline_access' }));
    const { oauthClient } = await asAdmin(`query G($c: String!) { oauthClient(clientId: $c) {
      grants(first: 50) { edges { node { user { email } scopes offlineAccess createdAt } } } } }`, { c: client.clientId });
    const grants = oauthClient.grants.edges.map((edge: { node: { user: { email: string }; scopes: string[]; offlineAccess: boolean; createdAt: string } }) => edge.node);
    expect(grants.map((grant: { user: { email: string } }) => grant.user.email)).toEqual([keeper.email, reader.email]);
    await inConsole(browser, async (page) => {
      await open(page, '/apps');
      await page.getByRole('link', { name: 'Grants App' }).click();
      await ready(page);
      await page.getByRole('heading', { name: 'App Grants App' }).waitFor();
      const rows = page.getByRole('table', { name: 'Accounts that granted this app access, newest first' }).locator('tbody tr');
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)));
      expect(shown).toEqual(grants.map((grant: { user: { email: string }; scopes: string[]; offlineAccess: boolean; createdAt: string }) => [
        grant.user.email, grant.scopes.join(' '), grant.offlineAccess ? 'yes' : 'no', `${dateTime.format(new Date(grant.createdAt))} UTC`,
      ]));
      await checkPage(page, SCREENSHOTS, 'app');
      expect(await status({ bearer: readerTokens.access_token })).toBe(200);
      await page.getByRole('button', { name: `End the grant of ${reader.email}` }).click();
      await page.getByRole('dialog', { name: 'End this grant?' }).getByRole('button', { name: 'End grant' }).click();
      await expect.poll(() => rows.count()).toBe(1);
      await ready(page);
    }, state);
    expect(await status({ bearer: readerTokens.access_token })).toBe(401);
  });

  it('edits a key\'s rate limit and expiry: the API shows them and the key is answered 429 past the limit', async () => {
    const key = await createKey(app, owner.accessToken, { name: 'editable key' });
    const expiry = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30 * 86_400_000).toISOString();
    await inConsole(browser, async (page) => {
      await open(page, `/keys/${key.id}`);
      // The form offers what the API says this key may be given: a plain user's key, so no admin.
      const { apiKey: offered } = await asAdmin('query K($id: ID!) { apiKey(id: $id) { grantableScopes { name } } }', { id: key.id });
      const boxes = page.locator('input[name="key-scope"]');
      expect(await boxes.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value)))
        .toEqual(offered.grantableScopes.map((scope: { name: string }) => scope.name));
      expect(await boxes.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value))).not.toContain('admin');
      await page.getByLabel('Rate limit (requests)').fill('2');
      await page.getByLabel('Per window of (seconds)').fill('3600');
      await page.getByLabel('Expires (UTC)').fill(expiry.slice(0, 16));
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText(/^Saved:/).waitFor();
      await ready(page);
      await expect(page.getByText('2 per 3,600 s').count()).resolves.toBe(1);
      await checkPage(page, SCREENSHOTS, 'key-settings');
    }, state);
    const { apiKey } = await asAdmin('query K($id: ID!) { apiKey(id: $id) { name expiresAt rateLimit { limit windowSeconds } } }', { id: key.id });
    expect(apiKey).toEqual({ name: 'editable key', expiresAt: expiry, rateLimit: { limit: 2, windowSeconds: 3600 } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await status({ headers: { 'x-api-key': key.secret } }));
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('asks for the password before granting a key the scope admin (step-up), then saves it', async () => {
    const key = await createKey(app, admin.accessToken, { name: 'admin job' });
    // The console's sign-in is made to look 11 minutes old: past the 10 minutes a sensitive change allows.
    await app.database.rows(sql`update sessions set created_at = now() - interval '11 minutes', verified_at = null
      where user_id = ${admin.userId} and client_id is null and id <> ${admin.sessionId}`);
    await inConsole(browser, async (page) => {
      await open(page, `/keys/${key.id}`);
      await page.getByLabel('admin', { exact: true }).check();
      await page.getByRole('button', { name: 'Save settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
      await dialog.waitFor();
      expect((await asAdmin('query K($id: ID!) { apiKey(id: $id) { scopes } }', { id: key.id })).apiKey.scopes).not.toContain('admin');
      await checkPage(page, SCREENSHOTS, 'key-step-up');
      await dialog.getByLabel('Password or code').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText(/^Saved:/).waitFor();
    }, state);
    expect((await asAdmin('query K($id: ID!) { apiKey(id: $id) { scopes } }', { id: key.id })).apiKey.scopes).toContain('admin');
  });

  it('edits an app\'s redirect URIs, refusing a bad one with the API\'s reason, and makes it DPoP-bound', async () => {
    const client = await registerClient(app, admin.accessToken, { name: 'Redirect App' });
    await inConsole(browser, async (page) => {
      await open(page, `/apps/${client.clientId}`);
      const uris = page.getByLabel('Redirect URIs', { exact: true });
      await uris.fill('http://evil.example/cb');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('alert').filter({ hasText: 'evil.example' }).waitFor();
      await uris.fill(`https://app.example/cb ${client.redirectUri}`);
      await page.getByLabel(/^Require DPoP proofs/).check();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText(/^Saved:/).waitFor();
      await ready(page);
      await checkPage(page, SCREENSHOTS, 'app-settings');
    }, state);
    const { oauthClients } = await asAdmin('{ oauthClients(first: 100) { edges { node { clientId redirectUris dpopBoundAccessTokens } } } }');
    const saved = oauthClients.edges.find((edge: { node: { clientId: string } }) => edge.node.clientId === client.clientId);
    expect(saved.node.redirectUris).toEqual(['https://app.example/cb', client.redirectUri]);
    expect(saved.node.dpopBoundAccessTokens).toBe(true);
  });

  it('filters the audit log by target and by actor: only that target\'s, only that actor\'s events', async () => {
    const key = await createKey(app, owner.accessToken, { name: 'audited key' });
    await app.gql('mutation U($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { __typename } }',
      { input: { id: key.id, name: 'audited key, renamed' } }, { bearer: admin.accessToken });
    await app.gql('mutation U($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { __typename } }',
      { input: { id: key.id, rateLimit: { limit: 5, windowSeconds: 60 } } }, { bearer: owner.accessToken });
    const { auditEvents } = await asAdmin('query A($t: ID) { auditEvents(targetId: $t, first: 50) { edges { node { type } } } }', { t: key.id });
    const types = auditEvents.edges.map((edge: { node: { type: string } }) => edge.node.type);
    expect(types).toEqual(['api_key.updated', 'api_key.updated', 'api_key.created']);
    await inConsole(browser, async (page) => {
      await open(page, '/audit');
      const all = await page.locator('tbody tr').count();
      await page.getByLabel('Target id').fill(key.id);
      await page.getByRole('button', { name: 'Filter' }).click();
      await ready(page);
      expect(page.url()).toContain(`target=${key.id}`);
      expect(await page.locator('tbody tr td:nth-child(2)').allInnerTexts()).toEqual(types);
      expect(new Set(await page.locator('tbody tr td:nth-child(5) a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))))
        .toEqual(new Set([`/admin/keys/${key.id}`]));
      expect(all).toBeGreaterThan(types.length);
      await checkPage(page, SCREENSHOTS, 'audit-target');

      await page.getByLabel('Target id').fill('');
      await page.getByLabel('Done by').fill(admin.userId);
      await page.getByRole('button', { name: 'Filter' }).click();
      await ready(page);
      const { auditEvents: byAdmin } = await asAdmin('query A($a: ID) { auditEvents(actorUserId: $a, first: 50) { edges { node { id } } } }', { a: admin.userId });
      await expect(page.locator('tbody tr').count()).resolves.toBe(byAdmin.edges.length);
      expect(new Set(await page.locator('tbody tr td:nth-child(4) a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))))
        .toEqual(new Set([`/admin/users/${admin.userId}`]));
    }, state);
  });
});
