import { chromium, type Browser } from 'playwright-core';
import { components, describeWhen } from './components.ts';

/**
 * Flags for a headless Chromium on this kind of machine: no sandbox as root, no background networking,
 * and no host name but the loopback ones resolves, so nothing can leave the machine.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/** Starts the Chromium at `executablePath` with CHROMIUM_ARGS, and `env` added to this process's environment. */
export function launchChromiumAt(executablePath: string, env?: Record<string, string>): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], ...(env === undefined ? {} : { env: { ...process.env, ...env } }) });
}

/**
 * The Chromium found for this run (test/helpers/global-setup.ts): the one npm install brings
 * (@sparticuz/chromium), else one installed on the machine. Call it inside describeWithBrowser.
 */
export function launchChromium(): Promise<Browser> {
  const found = components().chromium;
  if (!found.found) throw new Error(`no Chromium: ${found.reason} (wrap the tests in describeWithBrowser)`);
  return launchChromiumAt(found.path, found.env);
}

/** A describe block whose tests need Chromium: skipped (or, under LATCHKEY_REQUIRE_ALL=1, failed) without one. */
export function describeWithBrowser(name: string, body: () => void): void {
  describeWhen(components().chromium, name, body);
}
