import type { Config } from '../config.ts';

const ALLOWED_HEADERS = ['content-type', 'authorization', 'x-api-key', 'x-graphql-yoga-csrf'];
const EXPOSED_HEADERS = ['retry-after', 'ratelimit', 'ratelimit-policy', 'www-authenticate', 'x-request-id'];

/**
 * CORS with credentials for ALLOWED_ORIGINS and for nobody else. A factory rather than a list: an empty
 * list means "every origin" to the CORS plugin, and an unlisted origin would otherwise get `null`.
 */
export function corsPolicy(config: Config) {
  const allowed = new Set(config.allowedOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false as const;
    return {
      origin: [origin], credentials: true, methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600,
    };
  };
}
