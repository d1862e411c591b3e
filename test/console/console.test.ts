import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKey, type CreatedKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { checkPage, inConsole, ready, signInToConsole, type ConsoleState } from '../helpers/console.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp } from '../helpers/factors.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { LOGIN, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// The admin console in Chromium, against the real server and database: an admin signs in (with a second
// factor), reads the overview, the top keys, a key's usage (chart numbers, CSV), revokes a key, filters the
// audit log, registers an OAuth app and lists the signing keys; a non-admin is refused. Every number the
// console shows is compared with what /graphql answers for the same requests; axe-core checks each page.

const WHO = '{ viewer { credential } }';
const SCREENSHOTS = join(tmpdir(), `latchkey-console-${process.pid}`);
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/console.png', import.meta.url));

const USAGE = `query Usage($id: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
  apiKey(id: $id) { usage(from: $from, to: $to, granularity: $granularity) { start requests rateLimited errors } }
}`;
const ALL_KEYS = `query All($from: DateTime!, $to: DateTime!) {
  apiKeyUsageSeries(from: $from, to: $to, granularity: HOUR) { buckets { requests served rateLimited errors revoked expired unknown } }
}`;

interface Bucket { start: string; requests: number; rateLimited: number; errors: number }

describeWithBrowser(`the admin console in Chromium (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  let admin: SignedUp;
  let totpSecret: string;
  let owner: SignedUp;
  let busy: CreatedKey;
  let limited: CreatedKey;
  /** The admin's browser state (the session cookie) after the sign-in with a second factor. */
  let adminState: ConsoleState | undefined;

  beforeAll(async () => {
    app = await startTestApp({ env: { USAGE_FLUSH_SECONDS: '0.1' } });
    admin = await signUpAdmin(app);
    owner = await signUpUser(app);
    busy = await createKey(app, owner.accessToken, { name: 'busy key' });
    limited = await createKey(app, owner.accessToken, { name: 'limited key', rateLimit: { limit: 2, windowSeconds: 3600 } });
    // 5 served and 1 error with one key; 2 served and 3 rate limited with the other.
    for (let i = 0; i < 5; i += 1) await app.gql(WHO, {}, { headers: { 'x-api-key': busy.secret } });
    await app.gql('{ sessions { edges { node { id } } } }', {}, { headers: { 'x-api-key': busy.secret } });
    for (let i = 0; i < 5; i += 1) await app.gql(WHO, {}, { headers: { 'x-api-key': limited.secret } });
    // A revoked key presented once: refused, counted apart from requests.
    const gone = await createKey(app, owner.accessToken, { name: 'gone key' });
    await app.gql('mutation R($id: ID!) { revokeApiKey(id: $id) { __typename } }', { id: gone.id }, { bearer: owner.accessToken });
    expect((await app.gql(WHO, {}, { headers: { 'x-api-key': gone.secret } })).status).toBe(401);
    await app.app.services.usage.flush();
    await app.gql(LOGIN, { input: { email: owner.email, password: 'not the password at all' } });
    totpSecret = (await enrolTotp(app, admin)).secret;
    mkdirSync(SCREENSHOTS, { recursive: true });
    console.log(`admin console screenshots: ${SCREENSHOTS}`);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function apiUsage(keyId: string, from: string, to: string, granularity: string): Promise<Bucket[]> {
    const { body } = await app.gql(USAGE, { id: keyId, from, to, granularity }, { bearer: admin.accessToken });
    return body.data.apiKey.usage;
  }

  /** A fresh profile (test/helpers/console.ts); signed in as the admin when `signedIn`. */
  async function withConsole(run: (page: Page, context: BrowserContext) => Promise<void>, signedIn = false): Promise<void> {
    if (signedIn && adminState === undefined) throw new Error('the sign-in test did not run');
    await inConsole(browser, run, signedIn ? adminState : undefined);
  }

  const signIn = (page: Page, email: string) => signInToConsole(page, app.url, email);

  /** Opens a console page as the signed-in admin. */
  async function open(page: Page, path = ''): Promise<void> {
    await page.goto(`${app.url}/admin${path}`);
    await ready(page);
  }

  const check = (page: Page, name: string) => checkPage(page, SCREENSHOTS, name);

  /** A link of the console's navigation. */
  const navTo = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

  const stat = async (page: Page, id: string) => Number((await page.locator(`[data-stat="${id}"]`).innerText()).replace(/[^\d]/g, ''));

  it('serves one page with a strict CSP, no inline script, from this origin only, under 300 KB', async () => {
    const response = await app.fetch('/admin');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);

    await withConsole(async (page) => {
      let transferred = 0;
      const origins = new Set<string>();
      page.on('requestfinished', (request) => {
        origins.add(new URL(request.url()).origin);
        void request.sizes().then((sizes) => { transferred += sizes.responseBodySize + sizes.responseHeadersSize; });
      });
      await page.goto(`${app.url}/admin`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 200));
      console.log(`admin console first page: ${transferred} bytes transferred`);
      expect(transferred).toBeGreaterThan(10_000);
      expect(transferred).toBeLessThan(300 * 1024);
      expect([...origins]).toEqual([app.url]);
      await check(page, 'sign-in');
    });
  });

  it('refuses a non-admin after the sign-in, and shows them nothing of the API', async () => {
    await withConsole(async (page) => {
      await signIn(page, owner.email);
      await page.getByRole('heading', { name: 'Admins only' }).waitFor();
      await expect(page.getByRole('navigation', { name: 'Console' }).count()).resolves.toBe(0);
      await check(page, 'refused');
    });
  });

  it('signs an admin in with the second factor and shows the overview with the numbers the API answers', async () => {
    await withConsole(async (page, context) => {
      await signIn(page, admin.email);
      await page.getByRole('heading', { name: 'Second factor' }).waitFor();
      await check(page, 'second-factor');
      await awayFromStepEdge();
      await page.getByLabel('Code').fill(codeAt(totpSecret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await ready(page);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      adminState = await context.storageState();
      const now = Date.now();
      const { body } = await app.gql(ALL_KEYS, { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() }, { bearer: admin.accessToken });
      type Sums = { requests: number; served: number; rateLimited: number; errors: number; refused: number };
      const totals = (body.data.apiKeyUsageSeries.buckets as (Omit<Sums, 'refused'> & { revoked: number; expired: number; unknown: number })[])
        .reduce<Sums>((sum, b) => ({
          requests: sum.requests + b.requests, served: sum.served + b.served, rateLimited: sum.rateLimited + b.rateLimited,
          errors: sum.errors + b.errors, refused: sum.refused + b.revoked + b.expired + b.unknown,
        }), { requests: 0, served: 0, rateLimited: 0, errors: 0, refused: 0 });
      expect(totals).toEqual({ requests: 11, served: 8, rateLimited: 3, errors: 1, refused: 1 });
      expect(await stat(page, 'total-requests')).toBe(totals.requests);
      expect(await stat(page, 'total-served')).toBe(totals.served);
      expect(await stat(page, 'total-rate-limited')).toBe(totals.rateLimited);
      expect(await stat(page, 'total-errors')).toBe(totals.errors);
      expect(await stat(page, 'total-refused')).toBe(totals.refused);
      expect(await page.locator('.chart canvas').count()).toBe(1);
      const signIns = async (type: string) => (await app.gql(`{ auditEvents(type: "${type}", first: 100) { edges { node { id } } } }`, {}, { bearer: admin.accessToken })).body.data.auditEvents.edges.length;
      expect(await stat(page, 'signins-succeeded')).toBe(await signIns('login.succeeded'));
      expect(await stat(page, 'signins-failed')).toBe(await signIns('login.failed'));
      expect(await stat(page, 'signins-failed')).toBe(1);
      await expect(page.getByRole('table', { name: 'Recent failed sign-ins' }).locator('tbody tr').count()).resolves.toBe(1);
      await check(page, 'overview');
      // README's picture: made by this test, committed once; rewritten when missing or when asked.
      if (!existsSync(DOCS_SCREENSHOT) || process.env.UPDATE_CONSOLE_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT });
    });
  });

  it('works from the keyboard alone: skip link, navigation, dialogs, with a visible focus ring', async () => {
    await withConsole(async (page) => {
      await open(page);
      await page.keyboard.press('Tab');
      const focused = () => page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const style = getComputedStyle(element);
        return { text: element.textContent?.trim(), tag: element.tagName, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      expect(await focused()).toMatchObject({ text: 'Skip to content', tag: 'A' });
      expect((await focused()).outline).toMatch(/^solid [1-9]/);
      for (let i = 0; i < 10 && (await focused()).text !== 'Signing keys'; i += 1) await page.keyboard.press('Tab');
      expect((await focused()).outline).toMatch(/^solid [1-9]/);
      await page.keyboard.press('Enter');
      await ready(page);
      expect(await focused()).toMatchObject({ text: 'Signing keys', tag: 'H1' });
      await page.getByRole('button', { name: 'Rotate…' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      expect(await focused()).toMatchObject({ text: 'Cancel', tag: 'BUTTON' });
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog').count()).resolves.toBe(0);
      expect(await focused()).toMatchObject({ text: 'Rotate…', tag: 'BUTTON' });
    }, true);
  });

  it('lists the top keys, each linking to a key page whose chart, breakdown and CSV match the API', async () => {
    await withConsole(async (page) => {
      await open(page);
      await navTo(page, 'Top keys');
      await page.getByRole('heading', { name: 'Top keys' }).waitFor();
      await ready(page);
      const rows = page.locator('tbody tr');
      const now = Date.now();
      const top = (await app.gql('query T($from: DateTime!, $to: DateTime!) { topApiKeys(from: $from, to: $to, limit: 25) { requests apiKey { name } } }',
        { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() }, { bearer: admin.accessToken })).body.data.topApiKeys;
      expect(top[0]).toEqual({ requests: 6, apiKey: { name: 'busy key' } });
      await expect(rows.count()).resolves.toBe(top.length);
      for (const [i, total] of top.entries()) {
        await expect(rows.nth(i).locator('td').first().innerText()).resolves.toContain(total.apiKey.name);
        await expect(rows.nth(i).locator('td').nth(2).innerText()).resolves.toBe(String(total.requests));
      }
      await check(page, 'top-keys');

      await page.getByRole('link', { name: /busy key/ }).click();
      await page.getByRole('heading', { name: 'Key busy key' }).waitFor();
      await ready(page);
      await page.getByLabel('Period').selectOption('1h');
      await page.getByLabel('Resolution').selectOption('MINUTE');
      await page.getByRole('button', { name: 'Show' }).click();
      await ready(page);
      expect(page.url()).toContain('granularity=MINUTE');
      const later = Date.now();
      const to = new Date(Math.ceil((later + 1) / 60_000) * 60_000);
      const from = new Date(to.getTime() - 3_600_000);
      const buckets = await apiUsage(busy.id, from.toISOString(), to.toISOString(), 'MINUTE');
      const sum = (pick: (b: Bucket) => number) => buckets.reduce((total, b) => total + pick(b), 0);
      expect(sum((b) => b.requests)).toBe(6);
      expect(await stat(page, 'requests')).toBe(sum((b) => b.requests));
      expect(await stat(page, 'errors')).toBe(sum((b) => b.errors));
      expect(await stat(page, 'rate-limited')).toBe(sum((b) => b.rateLimited));
      expect(await stat(page, 'served')).toBe(sum((b) => b.requests - b.rateLimited));
      const drawn = Number(await page.locator('.chart-figure').getAttribute('data-drawn-ms'));
      console.log(`key chart (60 minute buckets) drawn in ${drawn.toFixed(1)} ms`);
      await check(page, 'key');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download usage as CSV' }).click()]);
      const text = readFileSync((await download.path())!, 'utf8');
      const expected = ['start,requests,served,rate_limited,errors',
        ...buckets.map((b) => `${b.start},${b.requests},${b.requests - b.rateLimited},${b.rateLimited},${b.errors}`)].join('\r\n') + '\r\n';
      expect(text).toBe(expected);
    }, true);
  });

  it('revokes a key after a confirmation, and /graphql then refuses it', async () => {
    const doomed = await createKey(app, owner.accessToken, { name: 'doomed key' });
    expect((await app.gql(WHO, {}, { headers: { 'x-api-key': doomed.secret } })).status).toBe(200);
    await withConsole(async (page) => {
      await open(page, `/keys/${doomed.id}`);
      await page.getByRole('button', { name: 'Revoke…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke this key?' });
      await dialog.waitFor();
      await check(page, 'key-revoke-dialog');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect((await app.gql(WHO, {}, { headers: { 'x-api-key': doomed.secret } })).status).toBe(200);
      await page.getByRole('button', { name: 'Revoke…' }).click();
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await page.getByText(/^revoked /).waitFor();
    }, true);
    const refused = await app.gql(WHO, {}, { headers: { 'x-api-key': doomed.secret } });
    expect(refused.status).toBe(401);
  });

  it('filters the audit log by type and account, with paging', async () => {
    await withConsole(async (page) => {
      await open(page);
      await navTo(page, 'Audit log');
      await ready(page);
      await page.getByLabel('Type').fill('api_key.created');
      await page.getByRole('button', { name: 'Filter' }).click();
      await ready(page);
      const types = await page.locator('tbody tr td:nth-child(2)').allInnerTexts();
      const { body } = await app.gql('{ auditEvents(type: "api_key.created", first: 50) { edges { node { id } } } }', {}, { bearer: admin.accessToken });
      expect(types.length).toBe(body.data.auditEvents.edges.length);
      expect(types.length).toBeGreaterThanOrEqual(3);
      expect(new Set(types)).toEqual(new Set(['api_key.created']));
      await check(page, 'audit');

      // The period goes to the API as `since`: an hour back still holds every key made by this test run.
      await page.getByLabel('Period').selectOption('1h');
      await page.getByRole('button', { name: 'Filter' }).click();
      await ready(page);
      expect(page.url()).toContain('period=1h');
      await expect(page.locator('tbody tr').count()).resolves.toBe(types.length);

      await page.getByLabel('Type').fill('');
      await page.getByLabel('Period').selectOption('');
      await page.getByLabel('Account id').fill(owner.userId);
      await page.getByRole('button', { name: 'Filter' }).click();
      await ready(page);
      const accounts = await page.locator('tbody tr td:nth-child(3)').allInnerTexts();
      expect(accounts.length).toBeGreaterThan(0);
      expect(new Set(accounts)).toEqual(new Set([owner.userId]));
    }, true);
  });

  it('registers an OAuth app and lists it; lists and rotates the signing keys', async () => {
    await withConsole(async (page) => {
      await open(page);
      await navTo(page, 'OAuth apps');
      await ready(page);
      await page.getByLabel('Name').fill('Console Test App');
      await page.getByLabel('Redirect URIs').fill('https://app.example.com/callback');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByText(/^Registered Console Test App/).waitFor();
      await expect(page.locator('[data-secret]').innerText()).resolves.toMatch(/.{20,}/);
      await expect(page.locator('tbody').first().innerText()).resolves.toContain('Console Test App');
      await check(page, 'apps');
      await page.getByRole('button', { name: 'Delete Console Test App' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Deleted Console Test App.').waitFor();
      const listed = (await app.gql('{ oauthClients(first: 50) { edges { node { name } } } }', {}, { bearer: admin.accessToken })).body.data.oauthClients.edges;
      expect(listed.map((edge: { node: { name: string } }) => edge.node.name)).not.toContain('Console Test App');

      await navTo(page, 'Signing keys');
      await ready(page);
      const before = await page.locator('tbody tr').count();
      expect(before).toBeGreaterThan(0);
      await check(page, 'signing-keys');
      await page.getByRole('button', { name: 'Rotate…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
      await page.getByText('Rotated: the new keys sign in 10 minutes.').waitFor();
      expect(await page.locator('tbody tr').count()).toBeGreaterThan(before);
    }, true);
  });

  it('finds a user by email, shows their sessions, keys, providers and factors, ends their sessions and disables them', async () => {
    const victim = await signUpUser(app);
    const key = await createKey(app, victim.accessToken, { name: 'victim key' });
    expect((await app.gql(WHO, {}, { bearer: victim.accessToken })).body.data.viewer.credential).toBe('ACCESS_TOKEN');
    await withConsole(async (page) => {
      await open(page);
      await navTo(page, 'Users');
      await ready(page);
      await page.getByLabel('Email contains').fill(victim.email.slice(0, 12).toUpperCase());
      await page.getByRole('button', { name: 'Search' }).click();
      await ready(page);
      await expect(page.locator('tbody tr').count()).resolves.toBe(1);
      await check(page, 'users');
      await page.getByRole('link', { name: victim.email }).click();
      await ready(page);
      await page.getByRole('heading', { name: victim.email }).waitFor();
      await expect(page.getByRole('table', { name: 'Live sessions, newest first' }).locator('tbody tr').count()).resolves.toBe(1);
      await expect(page.getByRole('link', { name: /victim key/ }).count()).resolves.toBe(1);
      await expect(page.getByText('Upstream identities: none.').count()).resolves.toBe(1);
      await check(page, 'user');

      await page.getByRole('button', { name: 'Revoke all sessions…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke all' }).click();
      await page.getByText('Live sessions, newest first: none.').waitFor();
      expect((await app.gql(WHO, {}, { bearer: victim.accessToken })).status).toBe(401);
      expect((await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(200);

      await page.getByRole('button', { name: 'Disable…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
      await page.getByText(/^disabled /).waitFor();
      expect((await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(401);
    }, true);
  });
});
