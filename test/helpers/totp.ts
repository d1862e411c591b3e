import { createHmac } from 'node:crypto';

/**
 * A second, independent RFC 6238 implementation for the tests (node:crypto HMAC, RFC 4226 §5.3
 * dynamic truncation), so the server's library is checked against the RFC, not against itself.
 */
export function rfc6238(key: Buffer, unixSeconds: number, digits = 6, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac(algorithm, key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** RFC 4648 base32 (what authenticator apps read from otpauth:// URIs). */
export function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    bits += index.toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

/** The code an authenticator app holding `base32Secret` shows `stepsFromNow` steps of 30 s away from now. */
export function codeAt(base32Secret: string, stepsFromNow = 0): string {
  return rfc6238(base32Decode(base32Secret), Date.now() / 1000 + stepsFromNow * 30);
}

/**
 * Waits until at least `margin` ms remain in the current 30-second step, so a code made now is still
 * in the same step when the server checks it (drift tests depend on the exact step).
 */
export async function awayFromStepEdge(margin = 4000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
