import { field, h, select } from '../dom.ts';
import { fits, isGranularity, PERIODS, periodOf, window, type Granularity } from '../format.ts';

export interface ChosenPeriod {
  readonly id: string;
  readonly label: string;
  readonly from: Date;
  readonly to: Date;
  readonly granularity: Granularity;
}

/** The period and resolution in the query (`period`, `granularity`), the resolution coarsened until it fits the API. */
export function chosenPeriod(params: URLSearchParams): ChosenPeriod {
  const period = periodOf(params.get('period'));
  const asked = params.get('granularity');
  let granularity: Granularity = isGranularity(asked) ? asked : period.granularity;
  if (!fits(period.ms, granularity)) granularity = fits(period.ms, 'HOUR') ? 'HOUR' : 'DAY';
  return { id: period.id, label: period.label, granularity, ...window(period.ms) };
}

/** A GET form choosing the period and the resolution; the router turns its submission into a navigation. */
export function periodForm(action: string, chosen: ChosenPeriod, extra: readonly HTMLElement[] = []): HTMLFormElement {
  const period = select('period', PERIODS.map((p) => [p.id, p.label] as const), chosen.id);
  const granularity = select('granularity', [['MINUTE', 'Per minute'], ['HOUR', 'Per hour'], ['DAY', 'Per day']], chosen.granularity);
  return h('form', { method: 'get', action, class: 'filters' },
    field('Period', period), field('Resolution', granularity, 'Per minute up to 24 hours.'), ...extra,
    h('button', { type: 'submit', class: 'secondary' }, 'Show'));
}
