import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { registerClient } from '../helpers/oauth.ts';
import { signUpAdmin } from '../helpers/users.ts';

describe(`the OAuth endpoints without a database (${ENGINE})`, () => {
  it('answer 503 temporarily_unavailable with Retry-After, as JSON and as the error page, never a 500 or a stack', async () => {
    const app = await startTestApp();
    const admin = await signUpAdmin(app);
    const client = await registerClient(app, admin.accessToken);
    await app.database.close();
    try {
      const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
      const token = await app.fetch('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: 'grant_type=client_credentials',
      });
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toBe('5');
      expect(await token.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('database') });

      const revoke = await app.fetch('/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: `token=${'r'.repeat(43)}`,
      });
      expect(revoke.status).toBe(503);
      expect((await revoke.json()).error).toBe('temporarily_unavailable');

      const page = await app.fetch(`/oauth/authorize?client_id=${client.clientId}&response_type=code&redirect_uri=${encodeURIComponent(client.redirectUri)}`);
      expect(page.status).toBe(503);
      const html = await page.text();
      expect(html).toContain('database');
      expect(html).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      await app.close().catch(() => {});
    }
  });
});
