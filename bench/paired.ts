/**
 * Paired measurement: Latchkey and another server (bare Yoga, or a peer) measured in alternating
 * slices (ABBA…), so that a machine whose load drifts during the run moves both sides alike.
 */
import os from 'node:os';
import { combine, isClean, median, type Measurement } from './lib.ts';

function setting(name: string, fallback: number, zeroOk = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) throw new Error(`${name} must be a positive number`);
  return value;
}

export const SECONDS = setting('BENCH_SECONDS', 10);
export const SLICES = Math.max(1, Math.round(setting('BENCH_SLICES', 5)));
export const WARMUP = setting('BENCH_WARMUP', 2, true);
export const CONNECTIONS = Math.round(setting('BENCH_CONNECTIONS', 50));
export const WORKERS = Math.round(setting('BENCH_WORKERS', 20));

export interface Pair {
  readonly name: string;
  readonly load: string;
  readonly latchkey: Measurement;
  readonly other: Measurement;
  /** Medians of the per-slice ratios, Latchkey over the other side. */
  readonly rpsRatio: number;
  readonly cpuRatio: number;
}

/** One side's run of `seconds` (after `warmupSeconds` not counted). */
export type Side = (seconds: number, warmupSeconds: number) => Promise<Measurement>;

/**
 * Warm-up of both sides, then SLICES slices of each, in ABBA order; each slice of Latchkey is compared
 * with the slice of the other side next to it. Prints one line, labelled `otherLabel` for that side.
 */
export async function paired(name: string, load: string, latchkey: Side, other: Side, otherLabel = 'bare'): Promise<Pair> {
  const slice = SECONDS / SLICES;
  if (WARMUP > 0) {
    await other(WARMUP, 0);
    await latchkey(WARMUP, 0);
  }
  const ours: Measurement[] = [];
  const theirs: Measurement[] = [];
  for (let i = 0; i < SLICES; i++) {
    if (i % 2 === 0) {
      theirs.push(await other(slice, 0));
      ours.push(await latchkey(slice, 0));
    } else {
      ours.push(await latchkey(slice, 0));
      theirs.push(await other(slice, 0));
    }
  }
  const pair: Pair = {
    name, load, latchkey: combine(ours), other: combine(theirs),
    rpsRatio: median(ours.map((m, i) => m.requestsPerSecond / theirs[i]!.requestsPerSecond)),
    cpuRatio: median(ours.map((m, i) => m.serverCpuUs / theirs[i]!.serverCpuUs)),
  };
  const [l, o] = [pair.latchkey, pair.other];
  const flag = isClean(l) && isClean(o) ? '' : '   <-- NOT CLEAN: wrong or failed answers';
  const db = (m: Measurement) => (Number.isFinite(m.dbCpuUs) ? ` (db ${fmt(m.dbCpuUs)})` : '');
  process.stdout.write(
    `${name.padEnd(26)} ${fmt(l.requestsPerSecond).padStart(7)} req/s  p99 ${fmt(l.p99Ms, 1).padStart(7)} ms  ` +
    `CPU/req ${fmt(l.serverCpuUs).padStart(6)} µs${db(l)}  failed ${failures(l)}  | ` +
    `${otherLabel} ${fmt(o.requestsPerSecond).padStart(6)} req/s  p99 ${fmt(o.p99Ms, 1).padStart(6)} ms  ` +
    `CPU/req ${fmt(o.serverCpuUs).padStart(5)} µs${db(o)}  | × ${fmt(pair.rpsRatio, 2)} req/s, × ${fmt(pair.cpuRatio, 2)} CPU/req  ` +
    `(load ${loadAverage()})${flag}\n`,
  );
  return pair;
}

export const fmt = (n: number, digits = 0) =>
  (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
export const failures = (m: Measurement) => `${m.non2xx} / ${m.errors} / ${m.wrong}`;
export const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
export const isCleanPair = (p: Pair) => isClean(p.latchkey) && isClean(p.other);
