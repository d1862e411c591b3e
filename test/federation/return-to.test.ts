import { describe, expect, it } from 'vitest';
import { readReturnTo, returnToCookie } from '../../src/federation/return-to.ts';

// The cookie that brings an upstream sign-in started on the authorization page back to it.
describe('the return-to cookie of an upstream sign-in', () => {
  const cookieFor = (state: string, path: string) => returnToCookie(state, path).split(';')[0]!;

  it('names a path on this origin, for the sign-in with that state only', () => {
    const cookie = cookieFor('state-one', '/oauth/authorize?client_id=lk_a&state=x');
    expect(returnToCookie('state-one', '/x')).toMatch(/^__Host-latchkey-upstream-return=[^;]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    expect(readReturnTo(`other=1; ${cookie}`, 'state-one')).toBe('/oauth/authorize?client_id=lk_a&state=x');
    expect(readReturnTo(cookie, 'state-two')).toBeNull();
    expect(readReturnTo(null, 'state-one')).toBeNull();
  });

  it('never names another origin, even when the cookie is forged', () => {
    expect(() => returnToCookie('s', 'https://attacker.example/')).toThrow();
    expect(() => returnToCookie('s', '//attacker.example/')).toThrow();
    const forged = cookieFor('s', '/x').replace(/\.[^.]+$/, `.${Buffer.from('//attacker.example').toString('base64url')}`);
    expect(readReturnTo(forged, 's')).toBeNull();
  });
});
