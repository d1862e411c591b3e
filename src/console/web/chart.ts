import uPlot from 'uplot';
import { h } from './dom.ts';
import { count, totalsOf, type Granularity, type Series } from './format.ts';

const OUTCOMES = [
  { label: 'Served (errors included)', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.12)' },
  { label: 'Rate limited', stroke: '#9a6700', fill: 'rgba(154,103,0,0.12)' },
  { label: 'Errors', stroke: '#cf222e', fill: 'rgba(207,34,46,0.12)' },
  { label: 'Refused keys', stroke: '#6e40c9', fill: 'rgba(110,64,201,0.10)' },
] as const;

/**
 * Requests by outcome over time, drawn by uPlot on one canvas (a million rows become at most 2 000
 * buckets before they reach the browser). The canvas is described for screen readers by the summary
 * beside it; uPlot's legend shows the values under the pointer.
 */
export function usageChart(title: string, series: Series, granularity: Granularity, withRefused = false): { element: HTMLElement; drawnMs: number } {
  const totals = totalsOf(series);
  const refused = withRefused ? `; ${count(totals.refused)} presentations of revoked, expired or unknown keys refused` : '';
  const summary = `${title}: ${count(totals.requests)} requests — ${count(totals.served)} served (${count(totals.errors)} with errors), ${count(totals.rateLimited)} rate limited${refused}, per ${granularity.toLowerCase()}.`;
  const holder = h('div', { class: 'chart', role: 'img', 'aria-label': summary });
  const figure = h('figure', { class: 'chart-figure' }, holder, h('figcaption', { class: 'muted' }, summary));
  const started = performance.now();
  const width = Math.max(320, Math.min(1100, (document.querySelector('main')?.clientWidth ?? 900) - 40));
  const plot = new uPlot({
    width, height: 260,
    scales: { x: { time: true } },
    axes: [{}, { size: 60 }],
    series: [{ label: 'Time (UTC)' }, ...OUTCOMES.slice(0, withRefused ? 4 : 3).map((outcome) => ({ ...outcome, width: 1.5, points: { show: false } }))],
    tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
  }, [series.x, series.served, series.rateLimited, series.errors, ...(withRefused ? [series.refused] : [])], holder);
  const drawnMs = performance.now() - started;
  figure.dataset.drawnMs = drawnMs.toFixed(1);
  void plot;
  return { element: figure, drawnMs };
}
