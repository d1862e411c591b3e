import { describe, expect, it } from 'vitest';
import { matchTotp, newTotpSecret, totpUri } from '../../src/factors/totp.ts';
import { base32Decode, rfc6238 } from '../helpers/totp.ts';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const SEED = Buffer.from('12345678901234567890');
const SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const VECTORS: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('the tests\' own implementation gives the RFC\'s test vectors', () => {
    for (const [time, code] of VECTORS) expect(rfc6238(SEED, time, 8)).toBe(code);
    expect(base32Decode(SEED_BASE32)).toEqual(SEED);
  });

  it('the server accepts the 6-digit codes of the RFC\'s vectors, at their step', () => {
    for (const [time, code] of VECTORS) {
      expect(matchTotp(SEED_BASE32, code.slice(2), time * 1000)).toBe(Math.floor(time / 30));
    }
  });

  it('accepts one step of drift either way, and no more', () => {
    const now = 1_700_000_010_000;
    const at = (steps: number) => rfc6238(SEED, now / 1000 + steps * 30);
    const step = Math.floor(now / 30_000);
    expect(matchTotp(SEED_BASE32, at(-1), now)).toBe(step - 1);
    expect(matchTotp(SEED_BASE32, at(0), now)).toBe(step);
    expect(matchTotp(SEED_BASE32, at(1), now)).toBe(step + 1);
    expect(matchTotp(SEED_BASE32, at(-2), now)).toBeNull();
    expect(matchTotp(SEED_BASE32, at(2), now)).toBeNull();
  });

  it('refuses anything but six digits', () => {
    const now = 1_700_000_010_000;
    const code = rfc6238(SEED, now / 1000);
    for (const bad of [`${code} `, code.slice(1), `0${code}`, 'abcdef', '']) expect(matchTotp(SEED_BASE32, bad, now)).toBeNull();
  });

  it('makes 160-bit secrets and an otpauth URI with 6 digits, 30 seconds and SHA-1', () => {
    const secret = newTotpSecret();
    expect(base32Decode(secret)).toHaveLength(20);
    const uri = new URL(totpUri(secret, 'id.example.com', 'ada@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: 'id.example.com', digits: '6', period: '30', algorithm: 'SHA1' });
  });
});
