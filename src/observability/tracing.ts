import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Turns on OpenTelemetry tracing (the standard Node SDK, OTLP over HTTP to `<endpoint>/v1/traces`): spans
 * for each request, GraphQL operation, database statement and Redis command. Registered globally, with
 * the AsyncLocalStorage context manager and W3C trace-context propagation, so a statement's span is a child
 * of its request's and a proxy's `traceparent` is honoured.
 */
export function startTracing(endpoint: string): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'latchkey' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
