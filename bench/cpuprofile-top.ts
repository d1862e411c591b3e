/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function (function + url), self time by
 * package, and total (inclusive) time of Latchkey's own functions. Optionally only the samples inside
 * a time window (µs on the monotonic clock that the profile's startTime uses: bench/profile.ts passes
 * the measured load's window, so start-up is left out), and per request when the count is known.
 *
 *   tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 25] [--from µs] [--to µs] [--requests n]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  readonly fromUs?: number;
  readonly toUs?: number;
}

/** Sampled time, in µs, by key. */
export interface Aggregate {
  readonly self: Map<string, number>;
  readonly areas: Map<string, number>;
  /** Inclusive time of Latchkey's own (src/) functions, as far as synchronous stacks show it. */
  readonly inclusive: Map<string, number>;
  readonly total: number;
  readonly idle: number;
  readonly busy: number;
}

const ROOT = new URL('..', import.meta.url).href;

function shortUrl(url: string): string {
  if (url === '') return '';
  const short = (url.startsWith(ROOT) ? url.slice(ROOT.length) : url).replace(/^file:\/\//, '');
  const nm = short.lastIndexOf('node_modules/');
  return nm > 0 ? short.slice(nm) : short;
}

/** Which package (or part of Node, or of Latchkey) a frame belongs to. */
function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') && functionName !== '(anonymous)' ? functionName : '(native: C++ / builtins)';
  if (url.startsWith('node:')) return 'node: core (JS)';
  const short = shortUrl(url);
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(short);
  if (nm) return nm[1]!;
  if (short.startsWith('src/')) return `latchkey ${short.split('/').slice(0, 2).join('/')}`;
  return short;
}

function key(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  // Line numbers of tsx-compiled files are not the source's; a name and a file are enough.
  const line = frame.url.includes('/node_modules/') || frame.url.startsWith('node:') ? `:${frame.lineNumber + 1}` : '';
  return frame.url === '' ? name : `${name}  ${shortUrl(frame.url)}${line}`;
}

export function aggregate(profile: CpuProfile, window: Window = {}): Aggregate {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const add = (map: Map<string, number>, k: string, us: number) => map.set(k, (map.get(k) ?? 0) + us);

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's delta is the time since the previous sample: charge it to this sample's stack.
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (window.fromUs !== undefined && time < window.fromUs) continue;
    if (window.toUs !== undefined && time > window.toUs) continue;
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    total += delta;
    if (node.callFrame.functionName === '(idle)') {
      idle += delta;
      continue;
    }
    add(self, key(node.callFrame), delta);
    add(areas, area(node.callFrame), delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!shortUrl(frame.url).startsWith('src/')) continue;
      const k = key(frame);
      if (!seen.has(k)) {
        seen.add(k);
        add(inclusive, k, delta);
      }
    }
  }
  return { self, areas, inclusive, total, idle, busy: total - idle };
}

const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
const pct = (us: number, of: number) => (of === 0 ? '–' : `${((100 * us) / of).toFixed(1)}%`).padStart(6);
const num = (n: number, digits = 1) => n.toFixed(digits).padStart(9);

/** The report of one profile; with `requests`, also µs of CPU per request. */
export function summarize(a: Aggregate, options: { top?: number; requests?: number } = {}): string {
  const top = options.top ?? 25;
  const perReq = (us: number) => (options.requests ? `${num(us / options.requests, 2)}` : '');
  const head = options.requests ? `${'µs/req'.padStart(9)}` : '';
  const out: string[] = [];
  out.push(`window: ${(a.total / 1e6).toFixed(2)} s sampled, ${(a.busy / 1e6).toFixed(2)} s busy (not idle)` +
    (options.requests ? `; ${options.requests} requests: ${(a.busy / options.requests).toFixed(1)} µs of CPU (main thread) per request` : ''));
  out.push('');
  out.push(`Top ${top} functions by self time:`);
  out.push(`${'self ms'.padStart(9)} ${'%busy'.padStart(6)} ${head}  function  url[:line]`);
  for (const [k, us] of sorted(a.self).slice(0, top)) out.push(`${num(us / 1000)} ${pct(us, a.busy)} ${perReq(us)}  ${k}`);
  out.push('');
  out.push('Self time by package / area:');
  for (const [k, us] of sorted(a.areas)) if (us / a.busy >= 0.002) out.push(`${num(us / 1000)} ${pct(us, a.busy)} ${perReq(us)}  ${k}`);
  if (a.inclusive.size > 0) {
    out.push('');
    out.push('Latchkey functions by total (inclusive, synchronous part) time:');
    for (const [k, us] of sorted(a.inclusive).slice(0, 15)) out.push(`${num(us / 1000)} ${pct(us, a.busy)} ${perReq(us)}  ${k}`);
  }
  return out.join('\n');
}

/** Where `a` spends more CPU per request than `b`: by area and by function, in µs per request. */
export function diff(a: Aggregate, aRequests: number, b: Aggregate, bRequests: number, top = 25): string {
  const rows = (pick: (x: Aggregate) => Map<string, number>) => {
    const keys = new Set([...pick(a).keys(), ...pick(b).keys()]);
    return [...keys].map((k) => {
      const left = (pick(a).get(k) ?? 0) / aRequests;
      const right = (pick(b).get(k) ?? 0) / bRequests;
      return { k, left, right, delta: left - right };
    }).sort((x, y) => y.delta - x.delta);
  };
  const out: string[] = [];
  const busyA = a.busy / aRequests;
  const busyB = b.busy / bRequests;
  out.push(`CPU per request (main thread): ${busyA.toFixed(1)} µs vs ${busyB.toFixed(1)} µs baseline, +${(busyA - busyB).toFixed(1)} µs`);
  out.push('');
  out.push('By package / area, µs per request (largest increase first):');
  out.push(`${'this'.padStart(9)} ${'baseline'.padStart(9)} ${'delta'.padStart(9)}  area`);
  for (const r of rows((x) => x.areas)) if (Math.abs(r.delta) >= 0.5) out.push(`${num(r.left)} ${num(r.right)} ${num(r.delta)}  ${r.k}`);
  out.push('');
  out.push(`Top ${top} functions by increase of self time, µs per request:`);
  for (const r of rows((x) => x.self).slice(0, top)) out.push(`${num(r.left)} ${num(r.right)} ${num(r.delta)}  ${r.k}`);
  return out.join('\n');
}

function argValue(args: string[], name: string): number | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : Number(args[index + 1]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const file = args.find((arg, i) => !arg.startsWith('--') && (i === 0 || !args[i - 1]!.startsWith('--')));
  if (file === undefined) {
    process.stderr.write('usage: tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 25] [--from µs] [--to µs] [--requests n]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const a = aggregate(profile, { fromUs: argValue(args, '--from'), toUs: argValue(args, '--to') });
  process.stdout.write(`${summarize(a, { top: argValue(args, '--top'), requests: argValue(args, '--requests') })}\n`);
}
