import { gql } from '../api.ts';
import { usageChart } from '../chart.ts';
import { h, replace, table } from '../dom.ts';
import { count, totalsOf, when, zeroFilled, type Bucket, type Series } from '../format.ts';
import { link, type Page } from '../router.ts';
import { chosenPeriod, periodForm, type ChosenPeriod } from './period.ts';
import { ALL_KEYS_USAGE, SIGN_INS } from '../operations.ts';

interface AuditNode { id: string; at: string; userId: string | null; ip: string | null; detail: string | null }
interface AuditPage { auditEvents: { edges: { node: AuditNode }[]; pageInfo: { hasNextPage: boolean } } }

/** Requests across keys by outcome over time, and the period's sign-ins and failed sign-ins from the audit log. */
export const overviewPage: Page = async ({ main, params }) => {
  const chosen = chosenPeriod(params);
  const [series, succeeded, failed] = await Promise.all([
    allKeysSeries(chosen),
    signIns('login.succeeded', chosen.from),
    signIns('login.failed', chosen.from),
  ]);
  const totals = totalsOf(series);
  const chart = usageChart(`Requests across all keys, ${chosen.label.toLowerCase()}`, series, chosen.granularity, true);
  replace(main,
    h('h1', { tabindex: '-1' }, 'Overview'),
    periodForm(link(''), chosen),
    h('section', { 'aria-labelledby': 'usage-h' },
      h('h2', { id: 'usage-h' }, 'Requests with API keys'),
      h('dl', { class: 'stats' },
        stat('Requests', totals.requests, 'total-requests'), stat('Served', totals.served, 'total-served'),
        stat('Rate limited', totals.rateLimited, 'total-rate-limited'), stat('With errors', totals.errors, 'total-errors'),
        stat('Refused keys', totals.refused, 'total-refused')),
      chart.element),
    h('section', { 'aria-labelledby': 'signins-h' },
      h('h2', { id: 'signins-h' }, 'Sign-ins'),
      h('dl', { class: 'stats' },
        stat('Succeeded', succeeded.count, 'signins-succeeded', succeeded.more), stat('Failed', failed.count, 'signins-failed', failed.more)),
      table('Recent failed sign-ins', ['When', 'Account', 'Address', 'Detail'], failed.events.slice(0, 10).map((event) => [
        when(event.at), event.userId === null ? 'unknown' : h('a', { href: link(`/users/${event.userId}`) }, event.userId), event.ip ?? '—', event.detail ?? '',
      ]), 'none in this period.'),
      h('p', {}, h('a', { href: link('/audit', { type: 'login.failed' }) }, 'Every failed sign-in in the audit log'))));
};

function stat(label: string, value: number, id: string, more = false): HTMLElement {
  return h('div', {}, h('dt', {}, label), h('dd', { 'data-stat': id }, `${count(value)}${more ? '+' : ''}`));
}

/** Every key's requests, zero-filled, with the refused presentations of revoked, expired and unknown keys. */
async function allKeysSeries(chosen: ChosenPeriod): Promise<Series> {
  const { apiKeyUsageSeries: answer } = await gql<{ apiKeyUsageSeries: { from: string; to: string; buckets: Bucket[] } }>(ALL_KEYS_USAGE, {
    from: chosen.from.toISOString(), to: chosen.to.toISOString(), granularity: chosen.granularity,
  });
  return zeroFilled(answer.buckets, new Date(answer.from), new Date(answer.to), chosen.granularity);
}

/** The period's events of a type, from the newest 100 (the API has no time filter here): `more` when older ones may be in the period too. */
async function signIns(type: string, from: Date): Promise<{ count: number; more: boolean; events: AuditNode[] }> {
  const data = await gql<AuditPage>(SIGN_INS, { type });
  const events = data.auditEvents.edges.map((edge) => edge.node).filter((event) => Date.parse(event.at) >= from.getTime());
  const more = data.auditEvents.pageInfo.hasNextPage && events.length === data.auditEvents.edges.length;
  return { count: events.length, more, events };
}
