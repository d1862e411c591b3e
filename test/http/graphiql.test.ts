import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';

// GraphiQL at /graphql works offline (issue 22): every script, style and worker comes from the server.
describeWithBrowser(`GraphiQL in a browser with no other host reachable (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads from the server alone and runs a query in it', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const elsewhere: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${app.url}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        elsewhere.push(url);
        return route.abort('addressunreachable');
      });
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));

      await page.goto(`${app.url}/graphql?query=${encodeURIComponent('query Who { viewer { credential } }')}`);
      const answer = page.waitForResponse((response) => response.url() === `${app.url}/graphql` && response.request().method() === 'POST'
        && (response.request().postData() ?? '').includes('Who'));
      await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
      const response = await answer;
      expect(response.status()).toBe(200);
      expect(await response.json()).toEqual({ data: { viewer: { credential: 'ANONYMOUS' } } });
      await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 10_000 }).toContain('ANONYMOUS');
      expect(elsewhere).toEqual([]);
      expect(failures).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
