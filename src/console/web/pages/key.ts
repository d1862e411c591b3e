import { ApiError, expectType, gql } from '../api.ts';
import { usageChart } from '../chart.ts';
import { confirmAction } from '../confirm.ts';
import { alertBox, field, h, notice, replace, select, table } from '../dom.ts';
import { count, csv, totalsOf, when, zeroFilled, type Bucket } from '../format.ts';
import { link, type Page } from '../router.ts';
import { chosenPeriod, periodForm } from './period.ts';
import { withStepUp } from '../step-up.ts';
import { KEY, REVOKE, ROLL } from '../operations.ts';
import { keySettingsForm } from './key-settings.ts';

interface Key {
  id: string; name: string; start: string; environment: string; scopes: string[];
  createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null;
  rateLimit: { limit: number; windowSeconds: number } | null;
  owner: { id: string; email: string };
  grantableScopes: { name: string; description: string }[];
  usage: Bucket[];
}

/** One key: its settings, its usage chart and outcome breakdown, its usage as CSV, roll and revoke. */
export const keyPage: Page = async ({ main, segments, params, navigate }) => {
  const id = segments[1] ?? '';
  const chosen = chosenPeriod(params);
  const { apiKey: key } = await gql<{ apiKey: Key | null }>(KEY, { id, from: chosen.from.toISOString(), to: chosen.to.toISOString(), granularity: chosen.granularity });
  if (key === null) {
    replace(main, h('h1', { tabindex: '-1' }, 'Key not found'), h('p', {}, 'No key has this id.'));
    return;
  }
  const series = zeroFilled(key.usage, chosen.from, chosen.to, chosen.granularity);
  const totals = totalsOf(series);
  const status = h('div', { 'aria-live': 'polite' }, params.get('saved') === '1' ? notice('Saved: every instance uses the new settings from the next request on.') : null);
  const here = link(`/keys/${key.id}`, { period: chosen.id, granularity: chosen.granularity });

  const revoke = h('button', { type: 'button', class: 'danger', disabled: key.revokedAt !== null }, 'Revoke…');
  revoke.addEventListener('click', () => void (async () => {
    if (!(await confirmAction('Revoke this key?', `${key.name} (${key.start}…) stops working at once, on every instance. This cannot be undone.`, 'Revoke'))) return;
    try {
      const done = await withStepUp(async () => expectType((await gql<{ revokeApiKey: { __typename: string } }>(REVOKE, { id: key.id })).revokeApiKey, 'ApiKey'));
      if (done !== undefined) navigate(here);
    } catch (error) {
      replace(status, alertBox(error instanceof ApiError ? error.message : 'The key was not revoked.'));
    }
  })());

  const roll = h('button', { type: 'button', class: 'secondary', disabled: key.revokedAt !== null }, 'Roll…');
  roll.addEventListener('click', () => void (async () => {
    const overlap = select('overlapSeconds', [['0', 'Stops at once'], ['3600', 'Works one more hour'], ['86400', 'Works one more day']], '0');
    if (!(await confirmAction('Roll this key?', 'The key gets a new secret, shown once. The old secret:', 'Roll', [field('Old secret', overlap)]))) return;
    try {
      const rolled = await withStepUp(async () => expectType((await gql<{ rollApiKey: { __typename: string; secret?: string } }>(
        ROLL, { id: key.id, overlapSeconds: Number(overlap.value) })).rollApiKey, 'CreateApiKeyPayload'));
      if (rolled === undefined) return;
      replace(status, notice('The new secret, shown only now: copy it.'), h('p', {}, h('code', { class: 'secret', 'data-secret': '' }, rolled.secret ?? '')));
    } catch (error) {
      replace(status, alertBox(error instanceof ApiError ? error.message : 'The key was not rolled.'));
    }
  })());

  const rows = key.usage.map((bucket) => [bucket.start, bucket.requests, bucket.requests - bucket.rateLimited, bucket.rateLimited, bucket.errors]);
  const file = new Blob([csv([['start', 'requests', 'served', 'rate_limited', 'errors'], ...rows])], { type: 'text/csv' });
  const download = h('a', {
    href: URL.createObjectURL(file), download: `usage-${key.id}-${chosen.granularity.toLowerCase()}.csv`, class: 'button secondary',
  }, 'Download usage as CSV');

  const chart = usageChart(`Requests with ${key.name}, ${chosen.label.toLowerCase()}`, series, chosen.granularity);
  replace(main,
    h('h1', { tabindex: '-1' }, `Key ${key.name}`),
    h('dl', { class: 'details' },
      detail('Starts with', h('code', {}, `${key.start}…`)), detail('Environment', key.environment),
      detail('Owner', h('a', { href: link(`/users/${key.owner.id}`) }, key.owner.email)),
      detail('Scopes', key.scopes.length === 0 ? 'none' : key.scopes.join(', ')),
      detail('Rate limit', key.rateLimit === null ? 'unlimited' : `${count(key.rateLimit.limit)} per ${count(key.rateLimit.windowSeconds)} s`),
      detail('Created', when(key.createdAt)), detail('Expires', key.expiresAt === null ? 'never' : when(key.expiresAt)),
      detail('Last used', when(key.lastUsedAt)), detail('Status', key.revokedAt === null ? 'live' : `revoked ${when(key.revokedAt)}`)),
    h('div', { class: 'actions' }, roll, revoke), status,
    key.revokedAt === null ? keySettingsForm(key, status, () => navigate(link(`/keys/${key.id}`, { period: chosen.id, granularity: chosen.granularity, saved: '1' }))) : null,
    h('section', { 'aria-labelledby': 'usage-h' },
      h('h2', { id: 'usage-h' }, 'Usage'),
      periodForm(link(`/keys/${key.id}`), chosen),
      chart.element,
      table('Outcomes over the period', ['Outcome', 'Requests'], [
        ['Served', h('span', { 'data-stat': 'served' }, count(totals.served))],
        ['… of which with errors', h('span', { 'data-stat': 'errors' }, count(totals.errors))],
        ['Rate limited', h('span', { 'data-stat': 'rate-limited' }, count(totals.rateLimited))],
        ['All requests', h('span', { 'data-stat': 'requests' }, count(totals.requests))],
      ]),
      h('p', {}, download)));
};

function detail(term: string, value: HTMLElement | string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}
