import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Distinct GraphQL operation names kept as labels; past this many, an operation is counted as "other". */
export const MAX_OPERATION_NAMES = 100;

/**
 * This instance's Prometheus metrics (text format at /metrics, when METRICS_TOKEN is set). Labels are
 * bounded: route templates, status codes, fixed outcome codes, at most MAX_OPERATION_NAMES operation
 * names; never a user, key, session or client id. A new counter is one line below, then `.inc()` where
 * the event happens.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = this.#counter('latchkey_http_requests_total', 'HTTP requests answered, by method, route template and status.', ['method', 'route', 'status']);
  readonly httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds', help: 'Time from request to response headers, by method and route template.',
    labelNames: ['method', 'route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly graphqlOperations = this.#counter('latchkey_graphql_operations_total', 'GraphQL operations executed, by operation name, type and outcome (ok or error).', ['operation', 'type', 'outcome']);
  readonly authAttempts = this.#counter('latchkey_auth_attempts_total', 'Sign-ins, sign-ups, refreshes and other credential checks, by mutation and outcome (ok or the error code).', ['mutation', 'outcome']);
  readonly refreshReuse = this.#counter('latchkey_refresh_token_reuse_detected_total', 'Retired refresh tokens presented again (the session was revoked), by channel (graphql or oauth).', ['channel']);
  readonly apiKeyChecks = this.#counter('latchkey_api_key_checks_total', 'API keys presented as a credential, by outcome (valid, MALFORMED, NOT_FOUND, REVOKED, EXPIRED, RATE_LIMITED, UNAVAILABLE).', ['outcome']);
  readonly rateLimitRefusals = this.#counter('latchkey_rate_limit_refusals_total', 'Requests refused by a rate limit, by limit.', ['limit']);
  readonly cacheLookups = this.#counter('latchkey_cache_lookups_total', 'In-process cache look-ups, by cache and result (hit or miss); the hit ratio is hits / all.', ['cache', 'result']);

  readonly #operationNames = new Set<string>();

  constructor() {
    // Event-loop lag, heap and resident memory, CPU, handles: prom-client's process metrics.
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
  }

  /** The operation's name as a label: bounded, so that clients cannot blow up the series count. */
  operationLabel(name: string | null | undefined): string {
    if (name == null || name === '') return 'anonymous';
    if (this.#operationNames.has(name)) return name;
    if (this.#operationNames.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name)) return 'other';
    this.#operationNames.add(name);
    return name;
  }

  #counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
