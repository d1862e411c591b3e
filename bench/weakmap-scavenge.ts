/**
 * Why per-request WeakMap entries are deleted when the response is complete (src/http/request-release.ts):
 * young-generation collection time when each short-lived object is left as a WeakMap key (its value
 * holding the key, or not), against deleting the entry once the object's work is done, and no WeakMap.
 * 2,000,000 objects, 50 alive at a time, as 50 requests in flight.
 *
 *   node --import tsx bench/weakmap-scavenge.ts
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';

type Mode = 'no WeakMap' | 'entry left, value without key' | 'entry left, value holds key' | 'entry deleted';
const MODES: readonly Mode[] = ['no WeakMap', 'entry left, value without key', 'entry left, value holds key', 'entry deleted'];

async function run(mode: Mode): Promise<{ young: number; full: number }> {
  const pauses = { young: 0, full: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.young += entry.duration;
      else pauses.full += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const map = new WeakMap<object, object>();
  const inFlight: object[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    const request = { payload: new Array(20).fill(i), headers: { a: [1, 2, 3], b: `x${i}` } };
    if (mode === 'entry left, value without key') map.set(request, { cache: new Map() });
    if (mode === 'entry left, value holds key' || mode === 'entry deleted') map.set(request, { request, cache: new Map() });
    inFlight.push(request);
    if (inFlight.length > 50) {
      const done = inFlight.shift()!;
      if (mode === 'entry deleted') map.delete(done);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return pauses;
}

for (const mode of MODES) {
  const { young, full } = await run(mode);
  process.stdout.write(`${mode.padEnd(32)} young-generation pauses ${young.toFixed(0).padStart(5)} ms, full ${full.toFixed(0).padStart(4)} ms\n`);
}
