import { performance } from 'node:perf_hooks';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { requestIdOf } from '../http/request-id.ts';
import { credentialKindOf } from './credential-kind.ts';
import type { Metrics } from './metrics.ts';
import { operationNameOf } from './operation-name.ts';
import { routeOf } from './route.ts';

interface Observed {
  readonly startedAt: number;
  readonly operations: string[];
}

/**
 * Per request: the HTTP metrics (route template, status, latency) and, unless ACCESS_LOG=false, one `info`
 * line: method, path (never the query string, which may carry codes and states), status, duration, request
 * id, the kind of credential presented (never its value) and the GraphQL operation names.
 */
export function useRequestObservation(metrics: Metrics, logger: Logger | null): Plugin {
  const observed = new WeakMap<Request, Observed>();
  return {
    onRequest({ request }) {
      observed.set(request, { startedAt: performance.now(), operations: [] });
    },
    onParams({ request, params }) {
      observed.get(request)?.operations.push(operationNameOf(params));
    },
    onResponse({ request, response }) {
      const seen = observed.get(request);
      if (seen === undefined) return;
      observed.delete(request);
      const seconds = (performance.now() - seen.startedAt) / 1000;
      const path = new URL(request.url, 'http://localhost').pathname;
      const route = routeOf(path);
      metrics.httpRequests.inc({ method: request.method, route, status: String(response.status) });
      metrics.httpDuration.observe({ method: request.method, route }, seconds);
      // The line is built only when it will be written (LOG_LEVEL above info drops it).
      if (logger === null || !logger.isLevelEnabled('info')) return;
      logger.info({
        requestId: requestIdOf(request),
        method: request.method,
        path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
        status: response.status,
        durationMs: Math.round(seconds * 10_000) / 10,
        credential: credentialKindOf(request.headers),
        ...(seen.operations.length > 0 ? { operations: seen.operations } : {}),
      }, 'request');
    },
  };
}
