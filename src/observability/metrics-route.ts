import type { Plugin } from 'graphql-yoga';
import { constantTimeEqual } from '../lib/secrets.ts';
import type { Metrics } from './metrics.ts';

/**
 * GET /metrics in the Prometheus text format, only when METRICS_TOKEN is set and only with
 * `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization` scrape setting); otherwise the
 * path does not exist (404), so that nothing about the instance's traffic is public.
 */
export function useMetricsRoute(metrics: Metrics, token: string | null): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      if (token === null || url.pathname !== '/metrics') return;
      const presented = /^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '')?.[1];
      if (presented === undefined || !constantTimeEqual(presented, token)) {
        endResponse(new Response('unauthorized\n', { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' } }));
        return;
      }
      if (request.method !== 'GET') {
        endResponse(new Response('method not allowed\n', { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      endResponse(new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
      }));
    },
  };
}
