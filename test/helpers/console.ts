import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { seriousViolations } from './axe.ts';
import { PASSWORD } from './users.ts';

/** The admin's browser state (the session cookie) after a sign-in, to open later pages already signed in. */
export type ConsoleState = Awaited<ReturnType<BrowserContext['storageState']>>;

/**
 * Runs `run` in a fresh Chromium profile on the console (UTC, en-GB, as its dates are shown); page errors
 * and Content-Security-Policy refusals are collected and must stay empty.
 */
export async function inConsole(browser: Browser, run: (page: Page, context: BrowserContext) => Promise<void>, state?: ConsoleState): Promise<void> {
  const context = await browser.newContext({
    acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC',
    ...(state === undefined ? {} : { storageState: state }),
  });
  const problems: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text()) && !/connect-src/.test(message.text())) problems.push(message.text());
    });
    await run(page, context);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}

/** Waits until the console has drawn the page it navigated to. */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready=true]');
}

/** Fills the console's sign-in form (the second factor, if any, is the caller's). */
export async function signInToConsole(page: Page, url: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** axe-core finds no serious or critical violation; the page is saved as `<folder>/<name>.png`. */
export async function checkPage(page: Page, folder: string, name: string): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}
