import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requestIdOf } from '../http/request-id.ts';
import { operationNameOf } from './operation-name.ts';
import { routeOf } from './route.ts';

const tracer = trace.getTracer('latchkey');

/**
 * A server span per request (named by method and route template, continuing a `traceparent` sent by a
 * proxy) and a span per GraphQL operation inside it; both are active while they run, so the database and
 * Redis spans (spans.ts) nest under them.
 */
export function useTracing(): Plugin {
  const spans = new WeakMap<Request, Span>();
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const route = routeOf(new URL(request.url, 'http://localhost').pathname);
        const parent = propagation.extract(context.active(), Object.fromEntries(request.headers));
        const span = tracer.startSpan(`${request.method} ${route}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': route, 'latchkey.request_id': requestIdOf(request) },
        }, parent);
        spans.set(request, span);
        return context.with(trace.setSpan(parent, span), wrapped);
      },
      execute({ context: { params } }, wrapped) {
        const name = params === undefined ? 'anonymous' : operationNameOf(params);
        const span = tracer.startSpan(`graphql ${name}`, { attributes: { 'graphql.operation.name': name } });
        return context.with(trace.setSpan(context.active(), span), async () => {
          try {
            await wrapped();
          } finally {
            span.end();
          }
        });
      },
    },
    onExecute({ args }) {
      const type = getOperationAST(args.document, args.operationName)?.operation;
      if (type !== undefined) trace.getActiveSpan()?.setAttribute('graphql.operation.type', type);
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (span === undefined) return;
      spans.delete(request); // as src/http/request-release.ts explains
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
