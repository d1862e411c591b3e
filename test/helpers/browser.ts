import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium, launched as this machine allows: no sandbox as root, no background
 * networking, and no host name but the loopback ones resolves, so nothing can leave the machine.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
}
