export type Granularity = 'MINUTE' | 'HOUR' | 'DAY';

export const UNIT_MS: Readonly<Record<Granularity, number>> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
/** The API's most buckets per usage field (src/apikeys/reports.ts MAX_BUCKETS). */
export const MAX_BUCKETS = 2000;

/** The periods the console offers, and the resolution each opens with. */
export const PERIODS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000, granularity: 'MINUTE' },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000, granularity: 'HOUR' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, granularity: 'HOUR' },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, granularity: 'DAY' },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000, granularity: 'DAY' },
] as const satisfies readonly { id: string; label: string; ms: number; granularity: Granularity }[];

export type PeriodId = (typeof PERIODS)[number]['id'];

export function periodOf(id: string | null): (typeof PERIODS)[number] {
  return PERIODS.find((period) => period.id === id) ?? PERIODS[1];
}

export function isGranularity(value: string | null): value is Granularity {
  return value === 'MINUTE' || value === 'HOUR' || value === 'DAY';
}

/** Whether a period at a resolution fits in one usage answer. */
export function fits(ms: number, granularity: Granularity): boolean {
  return Math.ceil(ms / UNIT_MS[granularity]) <= MAX_BUCKETS;
}

/** [from, to) of a period that ends now, `to` at the next whole minute so the current minute is in. */
export function window(ms: number, now = Date.now()): { from: Date; to: Date } {
  const to = Math.ceil((now + 1) / 60_000) * 60_000;
  return { from: new Date(to - ms), to: new Date(to) };
}

export interface Bucket {
  readonly start: string;
  readonly requests: number;
  readonly rateLimited: number;
  readonly errors: number;
  /** Refused presentations of revoked, expired or unknown keys (apiKeyUsageSeries); not in `requests`. */
  readonly revoked?: number;
  readonly expired?: number;
  readonly unknown?: number;
}

export interface Series {
  /** Bucket starts, in seconds (uPlot's time axis). */
  readonly x: number[];
  /** Requests answered, errors included (the API's `served`: requests − rateLimited). */
  readonly served: number[];
  readonly rateLimited: number[];
  readonly errors: number[];
  readonly refused: number[];
}

/**
 * Buckets over [from, to) as columns, with a zero for every empty bucket (the API omits them). The first
 * bucket starts at `from` floored to the resolution, as the API floors it.
 */
export function zeroFilled(buckets: readonly Bucket[], from: Date, to: Date, granularity: Granularity): Series {
  const unit = UNIT_MS[granularity];
  const first = Math.floor(from.getTime() / unit) * unit;
  const count = Math.max(0, Math.ceil((to.getTime() - first) / unit));
  const zeros = () => new Array<number>(count).fill(0);
  const series: Series = { x: [], served: zeros(), rateLimited: zeros(), errors: zeros(), refused: zeros() };
  for (let i = 0; i < count; i += 1) series.x.push((first + i * unit) / 1000);
  for (const bucket of buckets) {
    const i = Math.round((Date.parse(bucket.start) - first) / unit);
    if (i < 0 || i >= count) continue;
    series.served[i]! += bucket.requests - bucket.rateLimited;
    series.rateLimited[i]! += bucket.rateLimited;
    series.errors[i]! += bucket.errors;
    series.refused[i]! += (bucket.revoked ?? 0) + (bucket.expired ?? 0) + (bucket.unknown ?? 0);
  }
  return series;
}

export interface Totals {
  readonly requests: number;
  readonly served: number;
  readonly rateLimited: number;
  readonly errors: number;
  readonly refused: number;
}

export function totalsOf(series: Series): Totals {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const served = sum(series.served);
  const rateLimited = sum(series.rateLimited);
  return { requests: served + rateLimited, served, rateLimited, errors: sum(series.errors), refused: sum(series.refused) };
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** An instant for people, in UTC (the API's buckets are UTC), or a dash. */
export function when(iso: string | null | undefined): string {
  return iso == null ? '—' : `${dateTime.format(new Date(iso))} UTC`;
}

export function count(n: number): string {
  return n.toLocaleString('en-GB');
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function csv(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
