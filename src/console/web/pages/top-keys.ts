import { gql } from '../api.ts';
import { field, h, replace, select, table } from '../dom.ts';
import { count } from '../format.ts';
import { link, type Page } from '../router.ts';
import { chosenPeriod, periodForm } from './period.ts';
import { TOP } from '../operations.ts';

interface Total {
  requests: number; rateLimited: number; errors: number;
  apiKey: { id: string; name: string; start: string; revokedAt: string | null; owner: { id: string; email: string } };
}

/** The busiest keys over a period (topApiKeys), each linking to its page. */
export const topKeysPage: Page = async ({ main, params }) => {
  const chosen = chosenPeriod(params);
  const limit = ['10', '25', '50', '100'].includes(params.get('limit') ?? '') ? params.get('limit')! : '25';
  const { topApiKeys } = await gql<{ topApiKeys: Total[] }>(TOP, { from: chosen.from.toISOString(), to: chosen.to.toISOString(), limit: Number(limit) });
  const limitSelect = field('Keys', select('limit', [['10', '10'], ['25', '25'], ['50', '50'], ['100', '100']], limit));
  replace(main,
    h('h1', { tabindex: '-1' }, 'Top keys'),
    periodForm(link('/keys'), chosen, [limitSelect]),
    table(`The busiest keys, ${chosen.label.toLowerCase()}`, ['Key', 'Owner', 'Requests', 'Served', 'With errors', 'Rate limited'],
      topApiKeys.map(({ apiKey, requests, rateLimited, errors }) => [
        h('a', { href: link(`/keys/${apiKey.id}`, { period: chosen.id }) }, `${apiKey.name} (${apiKey.start}…)`, apiKey.revokedAt === null ? null : ' — revoked'),
        h('a', { href: link(`/users/${apiKey.owner.id}`) }, apiKey.owner.email),
        count(requests), count(requests - rateLimited), count(errors), count(rateLimited),
      ]), 'no key was used in this period.'));
};
