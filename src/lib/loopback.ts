/**
 * Whether a URL's hostname is the loopback interface: `localhost`, 127.0.0.0/8 (RFC 6890) or `[::1]`. Plain
 * http is allowed only there: a native app's redirect URI (RFC 8252 §7.3) and an upstream issuer in development.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
