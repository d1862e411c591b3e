import { gql } from '../api.ts';
import { field, h, replace, select, table } from '../dom.ts';
import { when } from '../format.ts';
import { link, type Page } from '../router.ts';
import { EVENTS } from '../operations.ts';

/** Event types the server records today; the type filter also takes any other text. */
export const AUDIT_TYPES = [
  'api_key.created', 'api_key.rate_limited', 'api_key.revoked', 'api_key.rolled', 'api_key.updated', 'email.verification_requested', 'email.verified',
  'login.disabled', 'logout', 'oauth.client_deleted', 'oauth.client_secret_rotated', 'oauth.client_updated',
  'user.deleted', 'user.disabled', 'user.enabled', 'user.roles_changed', 'user.sessions_revoked',
  'login.failed', 'login.second_factor_required', 'login.succeeded', 'login.throttled', 'login.unverified',
  'oauth.client_registered', 'oauth.code_replayed', 'oauth.grant_given', 'oauth.grant_revoked',
  'password.changed', 'password.reset', 'password.reset_requested', 'reauthenticate.failed', 'recovery_codes.regenerated',
  'refresh.reuse_detected', 'second_factor.failed', 'second_factor.succeeded', 'session.revoked', 'signing_keys.rotated',
  'social.linked', 'social.refused', 'social.signed_in', 'social.unlinked',
  'totp.confirmation_failed', 'totp.disabled', 'totp.enabled', 'totp.enrolment_started', 'user.signed_up',
] as const;

const PERIODS = [['', 'Any time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']] as const;
const PERIOD_MS: Readonly<Record<string, number>> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const PAGE_SIZE = 50;

interface Event {
  id: string; type: string; at: string; userId: string | null; ip: string | null; userAgent: string | null; detail: string | null;
  actor: { userId: string | null; apiKeyId: string | null };
  target: { type: 'USER' | 'API_KEY' | 'SESSION' | 'OAUTH_CLIENT'; id: string } | null;
}
interface Answer { auditEvents: { edges: { node: Event }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }

/** The audit log, newest first, filtered by type, account, actor, target and period (all by the API), a page at a time. */
export const auditPage: Page = async ({ main, params }) => {
  const type = params.get('type') ?? '';
  const userId = params.get('user') ?? '';
  const actorUserId = params.get('actor') ?? '';
  const targetId = params.get('target') ?? '';
  const period = PERIOD_MS[params.get('period') ?? ''] === undefined ? '' : params.get('period')!;
  const after = params.get('after');
  const since = period === '' ? null : new Date(Date.now() - PERIOD_MS[period]!).toISOString();
  const data = await gql<Answer>(EVENTS, {
    first: PAGE_SIZE, after, type: type || null, userId: userId || null, since, actorUserId: actorUserId || null, targetId: targetId || null,
  });
  const shown = data.auditEvents.edges.map((edge) => edge.node);
  const more = data.auditEvents.pageInfo.hasNextPage;

  const typeInput = h('input', { type: 'text', name: 'type', value: type, list: 'audit-types', autocomplete: 'off' });
  const idInput = (name: string, value: string) => h('input', { type: 'text', name, value, autocomplete: 'off', spellcheck: 'false' });
  const filters = h('form', { method: 'get', action: link('/audit'), class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    field('Type', typeInput, 'For example login.failed.'),
    h('datalist', { id: 'audit-types' }, AUDIT_TYPES.map((value) => h('option', { value }))),
    field('Account id', idInput('user', userId), 'Whose account the event is about or on.'),
    field('Done by', idInput('actor', actorUserId), 'The account id of the admin or user who acted.'),
    field('Target id', idInput('target', targetId), 'An account, API key, session or client_id.'),
    field('Period', select('period', PERIODS, period)),
    h('button', { type: 'submit', class: 'secondary' }, 'Filter'));
  const filterParams = { type, user: userId, actor: actorUserId, target: targetId, period };
  replace(main,
    h('h1', { tabindex: '-1' }, 'Audit log'),
    filters,
    table('Security events, newest first', ['When', 'Type', 'Account', 'Done by', 'About', 'Address', 'Detail'], shown.map((event) => [
      when(event.at), h('code', {}, event.type),
      event.userId === null ? '—' : h('a', { href: link(`/users/${event.userId}`) }, event.userId),
      event.actor.userId === null ? '—' : h('a', { href: link(`/users/${event.actor.userId}`) }, event.actor.apiKeyId === null ? 'account' : 'account with a key'),
      targetLink(event.target), event.ip ?? '—', event.detail ?? '',
    ]), 'no event matches.'),
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      after === null ? null : h('a', { href: link('/audit', filterParams) }, 'First page'),
      more && data.auditEvents.pageInfo.endCursor !== null
        ? h('a', { href: link('/audit', { ...filterParams, after: data.auditEvents.pageInfo.endCursor }), rel: 'next' }, 'Next page')
        : null));
};

function targetLink(target: Event['target']): HTMLElement | string {
  if (target === null) return '—';
  if (target.type === 'USER') return h('a', { href: link(`/users/${target.id}`) }, 'account');
  if (target.type === 'API_KEY') return h('a', { href: link(`/keys/${target.id}`) }, 'API key');
  if (target.type === 'OAUTH_CLIENT') return h('a', { href: link(`/apps/${encodeURIComponent(target.id)}`) }, `OAuth app ${target.id}`);
  return `session ${target.id}`;
}
