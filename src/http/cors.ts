import type { Config } from '../config.ts';

// DPoP proofs (RFC 9449 §4.1) come in and server nonces (§8) go out in headers a browser client must be let use.
const ALLOWED_HEADERS = ['content-type', 'authorization', 'x-api-key', 'x-graphql-yoga-csrf', 'dpop'];
const EXPOSED_HEADERS = ['retry-after', 'ratelimit', 'ratelimit-policy', 'www-authenticate', 'x-request-id', 'dpop-nonce'];

/**
 * The endpoints that browser-based OAuth clients and relying parties call from their own origin: public
 * clients redeem codes with PKCE, refresh and revoke (RFC 7009 §2), read userinfo (OIDC Core §5.3), and
 * read discovery and keys. None reads a cookie, so any origin may call them, without credentials.
 */
const OPEN_PATHS = new Set([
  '/oauth/token', '/oauth/revoke', '/oauth/userinfo',
  '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/jwks.json',
]);

const OPEN = Object.freeze({
  origin: '*', credentials: false, methods: ['GET', 'POST'],
  allowedHeaders: ['authorization', 'content-type', 'dpop'], exposedHeaders: ['www-authenticate', 'dpop-nonce'], maxAge: 600,
});

/**
 * CORS with credentials for ALLOWED_ORIGINS and for nobody else; the OAuth endpoints above for any
 * origin without credentials. A factory rather than a list: an empty list means "every origin" to the
 * CORS plugin, and an unlisted origin would otherwise get `null`.
 */
export function corsPolicy(config: Config) {
  const allowed = new Set(config.allowedOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null) return false as const;
    if (OPEN_PATHS.has(new URL(request.url).pathname)) return OPEN;
    if (!allowed.has(origin)) return false as const;
    return {
      origin: [origin], credentials: true, methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600,
    };
  };
}
