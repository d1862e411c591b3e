/** Measurements: autocannon runs and closed-loop runs, each of which checks the answers it gets. */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { CpuSample } from './cpu.ts';

export interface Measurement {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly total: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** 2xx answers whose body was not the expected one. */
  readonly wrong: number;
  readonly seconds: number;
  /** CPU µs per request of the server's processes, and of its PostgreSQL backends (NaN when not measured). */
  readonly serverCpuUs: number;
  readonly dbCpuUs: number;
  /** Every successful request's latency, ms, so that runs can be combined into one p99. */
  readonly latencies: readonly number[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

function cpuPerRequest(before: CpuSample | undefined, after: CpuSample | undefined, requests: number) {
  if (before === undefined || after === undefined || requests === 0) return { serverCpuUs: NaN, dbCpuUs: NaN };
  return { serverCpuUs: (after.server - before.server) / requests, dbCpuUs: (after.database - before.database) / requests };
}

export function isClean(m: Measurement): boolean {
  return m.total > 0 && m.non2xx === 0 && m.errors === 0 && m.wrong === 0;
}

export interface CannonCase {
  readonly url: string;
  /** A JSON body to POST; without one, a GET. */
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Every response body must equal this exactly. */
  readonly expectBody: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Reads the server's CPU time, before and after the measured run. */
  readonly cpu?: () => CpuSample;
  /** Requests per second over all connections; unset, as fast as the server answers. */
  readonly rate?: number;
}

function cannon(c: CannonCase, seconds: number, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: c.url,
      method: c.body === undefined ? 'GET' : 'POST',
      connections: c.connections,
      pipelining: 1,
      duration: seconds,
      headers: c.body === undefined ? { ...c.headers } : { 'content-type': 'application/json', ...c.headers },
      ...(c.body === undefined ? {} : { body: c.body }),
      verifyBody: (body) => body === c.expectBody,
      ...(c.rate === undefined ? {} : { overallRate: c.rate }),
    }, (error, result) => (error ? reject(error) : resolve(result)));
    if (latencies !== undefined) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** A warm-up (not counted), then the measured run; every response is checked against `expectBody`. */
export async function runCannon(c: CannonCase): Promise<Measurement> {
  if (c.warmupSeconds > 0) await cannon(c, c.warmupSeconds);
  const before = c.cpu?.();
  const latencies: number[] = [];
  const result = await cannon(c, c.seconds, latencies);
  const after = c.cpu?.();
  const total = result.requests.total;
  return {
    requestsPerSecond: total / result.duration,
    p99Ms: percentile(latencies, 0.99),
    latencies,
    total,
    non2xx: result.non2xx,
    errors: result.errors,
    wrong: result.mismatches,
    seconds: result.duration,
    ...cpuPerRequest(before, after, total),
  };
}

export interface ClosedLoopCase<S> {
  /**
   * One state per worker (e.g. its refresh token chain), updated in place so that a later run goes on
   * from there; a worker whose request failed gets `undefined` and sends nothing more.
   */
  readonly states: (S | undefined)[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  /**
   * One request: resolves with the next state when the answer was right, `{ status, wrong: true }`
   * when it was a 2xx with the wrong body; non-2xx are counted from `status`.
   */
  readonly step: (state: S) => Promise<{ status: number; next?: S; wrong?: boolean }>;
  readonly cpu?: () => CpuSample;
}

/**
 * One async loop per state, each sending its next request as soon as the previous answer is in. A
 * worker whose request failed stops (a broken refresh chain cannot go on), and the failure is counted.
 */
export async function runClosedLoop<S>(c: ClosedLoopCase<S>): Promise<Measurement> {
  const { states } = c;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let wrong = 0;
  const phase = async (seconds: number, measure: boolean) => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(states.map(async (_, worker) => {
      while (states[worker] !== undefined && performance.now() < deadline) {
        const started = performance.now();
        try {
          const outcome = await c.step(states[worker]!);
          const elapsed = performance.now() - started;
          const ok = outcome.status >= 200 && outcome.status < 300 && !outcome.wrong && outcome.next !== undefined;
          // Failures count in the warm-up too: a worker that stops there would quietly lower the load.
          if (outcome.status < 200 || outcome.status >= 300) non2xx += 1;
          else if (!ok) wrong += 1;
          else if (measure) latencies.push(elapsed);
          states[worker] = ok ? outcome.next : undefined;
        } catch {
          errors += 1;
          states[worker] = undefined;
        }
      }
    }));
  };
  if (c.warmupSeconds > 0) await phase(c.warmupSeconds, false);
  const before = c.cpu?.();
  const started = performance.now();
  await phase(c.seconds, true);
  const seconds = (performance.now() - started) / 1000;
  const after = c.cpu?.();
  const total = latencies.length + non2xx + wrong;
  return {
    requestsPerSecond: latencies.length / seconds, p99Ms: percentile(latencies, 0.99), latencies, total, non2xx, errors, wrong, seconds,
    ...cpuPerRequest(before, after, total),
  };
}

/** Several runs as one: requests over time, p99 of all their latencies, CPU weighted by requests. */
export function combine(runs: readonly Measurement[]): Measurement {
  const sum = (f: (m: Measurement) => number) => runs.reduce((total, m) => total + f(m), 0);
  const total = sum((m) => m.total);
  const weighted = (f: (m: Measurement) => number) => (total === 0 ? NaN : sum((m) => f(m) * m.total) / total);
  return {
    requestsPerSecond: sum((m) => m.requestsPerSecond * m.seconds) / sum((m) => m.seconds),
    p99Ms: percentile(runs.flatMap((m) => m.latencies), 0.99),
    latencies: runs.flatMap((m) => m.latencies),
    total,
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    wrong: sum((m) => m.wrong),
    seconds: sum((m) => m.seconds),
    serverCpuUs: weighted((m) => m.serverCpuUs),
    dbCpuUs: weighted((m) => m.dbCpuUs),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
