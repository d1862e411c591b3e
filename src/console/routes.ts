import type { Plugin } from 'graphql-yoga';
import type { Services } from '../services.ts';
import { consoleAssets } from './bundle.ts';

export const CONSOLE_PATH = '/admin';

/**
 * The console's CSP: scripts, styles and requests only from this origin, no inline script or style and no
 * eval (no 'unsafe-*' source), no plugin, no base or form target elsewhere, and no framing (clickjacking,
 * OWASP Clickjacking Defense Cheat Sheet; X-Frame-Options for older browsers).
 */
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey admin</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/console.css">
<script type="module" src="${CONSOLE_PATH}/console.js"></script>
</head><body><div id="app"><p class="loading">Loading the console…</p></div>
<noscript><p>The admin console needs JavaScript.</p></noscript></body></html>`;

function respond(body: string, type: string, cache: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS } });
}

/**
 * The admin console at /admin (ADMIN_CONSOLE=false turns it off): one page, its script and its stylesheet.
 * Every path under /admin that is not an asset answers the page, whose script routes by the path. The page
 * holds nothing secret: it signs in and reads everything through /graphql like any other client.
 */
export function useAdminConsole(services: Services): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      if (!services.config.adminConsole) return;
      if (url.pathname !== CONSOLE_PATH && !url.pathname.startsWith(`${CONSOLE_PATH}/`)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new Response(null, { status: 405, headers: { allow: 'GET, HEAD', ...SECURITY_HEADERS } }));
        return;
      }
      const rest = url.pathname.slice(CONSOLE_PATH.length);
      if (rest === '/console.js' || rest === '/console.css') {
        const assets = await consoleAssets();
        endResponse(rest === '/console.js'
          ? respond(assets.script, 'text/javascript; charset=utf-8', 'no-cache')
          : respond(assets.stylesheet, 'text/css; charset=utf-8', 'no-cache'));
        return;
      }
      endResponse(/\.[a-z0-9]+$/i.test(rest)
        ? respond('Not found', 'text/plain; charset=utf-8', 'no-store', 404)
        : respond(PAGE, 'text/html; charset=utf-8', 'no-store'));
    },
  };
}
