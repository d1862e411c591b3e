import type { Plugin } from 'graphql-yoga';
import type { Services } from '../services.ts';
import { checkReadiness } from './readiness.ts';

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
          {
            const readiness = await checkReadiness(services);
            endResponse(readiness.ready
              ? json({ status: 'ready' }, 200, { 'cache-control': 'no-store' })
              : json({ status: 'unavailable', reason: readiness.reason }, 503, { 'cache-control': 'no-store' }));
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
