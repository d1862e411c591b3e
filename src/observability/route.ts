const ROUTES = new Set([
  '/graphql', '/healthz', '/readyz', '/metrics',
  '/.well-known/jwks.json', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
  '/oauth/authorize', '/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/userinfo',
]);

/** The route template a path belongs to, as a metric label: never the path itself, which clients choose. */
export function routeOf(pathname: string): string {
  if (ROUTES.has(pathname)) return pathname;
  if (/^\/auth\/callback\/[^/]+$/.test(pathname)) return '/auth/callback/:provider';
  return 'unmatched';
}
