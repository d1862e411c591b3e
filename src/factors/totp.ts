import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 parameters every authenticator app supports: HMAC-SHA-1, 6 digits, 30-second steps. */
const TOTP_DIGITS = 6;
const TOTP_PERIOD_SECONDS = 30;
/** Steps of clock drift accepted either side of now (RFC 6238 §5.2 recommends at most one). */
const TOTP_DRIFT_STEPS = 1;
/** 160-bit secrets, the length RFC 4226 §4 recommends for HMAC-SHA-1. */
const SECRET_BYTES = 20;

/** A fresh TOTP secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/…` URI (Key Uri Format) that authenticator apps read from a QR code. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return totp(secret, issuer, account).toString();
}

/** The URI as a QR code: an SVG document, no script, no external reference. */
export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The 30-second step whose code `code` is, within ±1 step of `now`, or null. The comparison is the
 * library's constant-time one. The caller refuses a step at or before the last one accepted (replay).
 */
export function matchTotp(secret: string, code: string, now = Date.now()): number | null {
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) return null;
  const delta = totp(secret, '', '').validate({ token: code, timestamp: now, window: TOTP_DRIFT_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

function totp(secret: string, issuer: string, account: string): TOTP {
  return new TOTP({
    issuer, label: account, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret),
  });
}
