import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ME } from '../../src/console/web/operations.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';

describe(`the admin console's routes (${ENGINE})`, () => {
  let on: TestApp;
  let off: TestApp;
  let only: TestApp;
  beforeAll(async () => {
    [on, off, only] = await Promise.all([
      startTestApp(), startTestApp({ env: { ADMIN_CONSOLE: 'false' } }), startTestApp({ env: { TRUSTED_DOCUMENTS: 'only' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([on?.close(), off?.close(), only?.close()]);
  });

  it('answers the page for /admin and every console path, never framed, with no inline script', async () => {
    for (const path of ['/admin', '/admin/', '/admin/keys/123', '/admin/audit?type=login.failed']) {
      const response = await on.fetch(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<script type="module" src="/admin/console.js"></script>');
    }
  });

  it('serves its script and stylesheet, uPlot bundled in', async () => {
    const script = await on.fetch('/admin/console.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await script.text();
    expect(text).toContain('/graphql');
    expect(text).not.toMatch(/\beval\(|new Function\(/);
    const styles = await on.fetch('/admin/console.css');
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await styles.text()).toContain('.uplot');
  });

  it('answers 404 for an unknown asset and 405 for anything but GET and HEAD', async () => {
    expect((await on.fetch('/admin/logo.png')).status).toBe(404);
    const post = await on.fetch('/admin', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('is not served at all with ADMIN_CONSOLE=false', async () => {
    expect((await off.fetch('/admin')).status).toBe(404);
    expect((await off.fetch('/admin/console.js')).status).toBe(404);
  });

  it('sends trusted document ids, which the server knows for the console even under TRUSTED_DOCUMENTS=only', async () => {
    const documentId = `sha256:${createHash('sha256').update(ME).digest('hex')}`;
    const ask = (app: TestApp, body: object) => app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const byId = await ask(only, { documentId });
    expect(byId.status).toBe(200);
    expect(await byId.json()).toEqual({ data: { me: null } });
    expect((await ask(only, { query: ME })).status).toBe(403);
    // Without the console, its documents are not trusted.
    expect(await (await ask(off, { documentId })).json()).toMatchObject({ errors: [{ extensions: { code: 'UNKNOWN_DOCUMENT' } }] });
  });
});
