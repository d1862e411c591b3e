import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('latchkey');

/**
 * Runs `run` in a client span (a database statement, a Redis command). Without a registered tracer provider
 * (OTEL_EXPORTER_OTLP_ENDPOINT unset) the API hands out no-op spans: nearly free.
 */
export async function inClientSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  try {
    return await run();
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.split('\n')[0] : 'failed' });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Makes a lazy thenable (postgres.js runs a query when it is first awaited) report a client span from that
 * moment to its answer. The statement's text is kept (it holds placeholders, never values); parameters never.
 */
export function traceThenable<T extends PromiseLike<unknown>>(pending: T, name: string, attributes: Attributes): T {
  const then = pending.then;
  let started: Promise<unknown> | undefined;
  Object.defineProperty(pending, 'then', {
    configurable: true,
    value(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
      started ??= inClientSpan(name, attributes, () => new Promise((resolve, reject) => void then.call(pending, resolve, reject)));
      return started.then(onFulfilled, onRejected);
    },
  });
  return pending;
}
