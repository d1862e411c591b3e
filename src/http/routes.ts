import type { Plugin } from 'graphql-yoga';
import type { Services } from '../services.ts';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The HTTP paths that are not GraphQL: health, readiness and the public keys. */
export function useRoutes(services: Services): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      switch (url.pathname) {
        case '/healthz':
          endResponse(json({ status: 'ok' }));
          return;
        case '/readyz':
          try {
            await services.database.ping();
            endResponse(json({ status: 'ready' }));
          } catch (error) {
            services.logger.warn({ err: error }, 'readiness check: the database does not answer');
            endResponse(json({ status: 'unavailable', reason: 'database' }, 503));
          }
          return;
        case '/.well-known/jwks.json':
          endResponse(request.method === 'GET' || request.method === 'HEAD'
            ? json(services.keys.jwks, 200, { 'cache-control': 'public, max-age=300' })
            : json({ error: 'method_not_allowed' }, 405, { allow: 'GET, HEAD' }));
          return;
        default:
          return;
      }
    },
  };
}
