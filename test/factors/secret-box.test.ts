import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/secret-box.ts';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const key = randomBytes(32);

  it('opens what it sealed, with a fresh IV each time', () => {
    const box = new SecretBox(key);
    const one = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(one).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'user-1')).not.toBe(one);
    expect(box.open(one, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a value moved to another account, a flipped bit, and a stranger\'s key', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(() => box.open(sealed, 'user-2')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'user-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'user-1')).toThrow();
  });

  it('after a rotation, opens values sealed under the previous key and marks them for sealing again', () => {
    const before = new SecretBox(key);
    const sealed = before.seal('JBSWY3DPEHPK3PXP', 'user-1');
    const after = new SecretBox(randomBytes(32), [key]);
    expect(after.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(after.isStale(sealed)).toBe(true);
    expect(after.isStale(after.seal('JBSWY3DPEHPK3PXP', 'user-1'))).toBe(false);
  });
});
