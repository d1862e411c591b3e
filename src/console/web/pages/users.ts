import { ApiError, gql } from '../api.ts';
import { confirmAction } from '../confirm.ts';
import { alertBox, field, h, replace, table } from '../dom.ts';
import { when } from '../format.ts';
import { link, type Page, type PageContext } from '../router.ts';
import { withStepUp } from '../step-up.ts';
import { SEARCH, USER, REVOKE_SESSION, REVOKE_ALL, DISABLE, ENABLE, SET_ROLES, DELETE } from '../operations.ts';

interface KeyNode { id: string; name: string; start: string; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null }
interface SessionNode { id: string; createdAt: string; lastUsedAt: string | null; expiresAt: string; ip: string | null; userAgent: string | null }
interface User {
  id: string; email: string; name: string | null; roles: string[]; emailVerified: boolean; createdAt: string; disabledAt: string | null;
  identities: { provider: string; subject: string; email: string | null; linkedAt: string }[];
  secondFactors: { methods: string[]; totpEnabledAt: string | null; recoveryCodesLeft: number };
  sessions: { edges: { node: SessionNode }[] };
  apiKeys: { edges: { node: KeyNode }[] };
}

/** Users: search by email; one user's sessions (revoke one or all), keys, linked providers and factors. */
export const usersPage: Page = async (context) => {
  if (context.segments[1] !== undefined) return userPage(context, context.segments[1]);
  const { main, params } = context;
  const query = params.get('email') ?? '';
  const search = h('form', { method: 'get', action: link('/users'), class: 'filters', role: 'search', 'aria-label': 'Find accounts' },
    field('Email contains', h('input', { type: 'search', name: 'email', value: query, autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'secondary' }, 'Search'));
  const byId = h('form', { class: 'filters', 'aria-label': 'Open an account by id' },
    field('Account id', h('input', { type: 'text', name: 'id', required: true, autocomplete: 'off', spellcheck: 'false' })),
    h('button', { type: 'submit', class: 'secondary' }, 'Open'));
  byId.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = (new FormData(byId).get('id') ?? '').toString().trim();
    if (id !== '') context.navigate(link(`/users/${encodeURIComponent(id)}`));
  });
  const data = await gql<{ users: { edges: { node: User }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    SEARCH, { emailContains: query === '' ? null : query, after: params.get('after') });
  const page = data.users.pageInfo;
  const results = h('div', {},
    table(query === '' ? 'Accounts, newest first' : `Accounts whose email contains “${query}”`, ['Email', 'Roles', 'Created', 'Status'],
      data.users.edges.map(({ node }) => [
        h('a', { href: link(`/users/${node.id}`) }, node.email), node.roles.join(', ') || '—', when(node.createdAt),
        node.disabledAt === null ? 'active' : `disabled ${when(node.disabledAt)}`,
      ]), 'no account matches.'),
    page.hasNextPage && page.endCursor !== null ? h('p', {}, h('a', { href: link('/users', { email: query, after: page.endCursor }) }, 'More accounts')) : null);
  replace(main, h('h1', { tabindex: '-1' }, 'Users'), search, results, byId);
};

async function userPage({ main, navigate, admin }: PageContext, id: string): Promise<void> {
  const { user } = await gql<{ user: User | null }>(USER, { id });
  if (user === null) {
    replace(main, h('h1', { tabindex: '-1' }, 'Account not found'), h('p', {}, 'No account has this id.'));
    return;
  }
  const target = user;
  const status = h('div', { 'aria-live': 'polite' });
  const here = link(`/users/${target.id}`);
  const run = async (title: string, text: string, label: string, mutation: string, variables: Record<string, unknown>, field: string, then = here) => {
    if (!(await confirmAction(title, text, label))) return;
    try {
      const done = await withStepUp(async () => {
        const answer = (await gql<Record<string, { __typename: string; code?: string; message?: string }>>(mutation, variables))[field];
        if (answer?.message !== undefined) throw new ApiError(answer.message, answer.code ?? answer.__typename);
        return true;
      });
      if (done) navigate(then);
    } catch (error) {
      replace(status, alertBox(error instanceof ApiError ? error.message : 'That failed.'));
    }
  };
  const sessions = target.sessions.edges.map(({ node }) => node);
  const own = target.id === admin.id;
  const isAdmin = target.roles.includes('admin');
  const manage = own ? null : h('div', { class: 'actions' },
    target.disabledAt === null
      ? h('button', { type: 'button', class: 'danger', onclick: () => void run('Disable this account?', `${target.email} cannot sign in; its sessions, tokens and API keys stop working at once. Enabling it again keeps the sessions ended.`, 'Disable', DISABLE, { id: target.id }, 'disableUser') }, 'Disable…')
      : h('button', { type: 'button', class: 'secondary', onclick: () => void run('Enable this account?', `${target.email} can sign in again, and its API keys work again.`, 'Enable', ENABLE, { id: target.id }, 'enableUser') }, 'Enable…'),
    h('button', {
      type: 'button', class: 'secondary',
      onclick: () => void run(isAdmin ? 'Take the role admin?' : 'Make an admin?', isAdmin ? `${target.email} stops being an admin.` : `${target.email} becomes an admin: every admin operation opens to it.`,
        isAdmin ? 'Take admin' : 'Make admin', SET_ROLES, { input: { userId: target.id, roles: isAdmin ? target.roles.filter((role) => role !== 'admin') : [...target.roles, 'admin'] } }, 'setUserRoles'),
    }, isAdmin ? 'Take the role admin…' : 'Make admin…'),
    h('button', {
      type: 'button', class: 'danger',
      onclick: () => void run('Delete this account?', `${target.email} is deleted for good: its sessions and grants end, its API keys, factors and linked identities go; its audit events stay.`, 'Delete', DELETE, { id: target.id }, 'deleteUser', link('/users')),
    }, 'Delete…'));
  replace(main,
    h('h1', { tabindex: '-1' }, target.email),
    h('dl', { class: 'details' },
      h('dt', {}, 'Account id'), h('dd', {}, h('code', {}, target.id)),
      h('dt', {}, 'Name'), h('dd', {}, target.name ?? '—'),
      h('dt', {}, 'Roles'), h('dd', {}, target.roles.join(', ') || '—'),
      h('dt', {}, 'Email verified'), h('dd', {}, target.emailVerified ? 'yes' : 'no'),
      h('dt', {}, 'Created'), h('dd', {}, when(target.createdAt)),
      h('dt', {}, 'Status'), h('dd', {}, target.disabledAt === null ? 'active' : `disabled ${when(target.disabledAt)}`),
      h('dt', {}, 'Second factors'), h('dd', {}, target.secondFactors.methods.length === 0 ? 'none'
        : `${target.secondFactors.methods.join(', ')} (app since ${when(target.secondFactors.totpEnabledAt)}, ${target.secondFactors.recoveryCodesLeft} recovery codes left)`)),
    h('p', {}, h('a', { href: link('/audit', { user: target.id }) }, 'This account\'s audit events')),
    manage, status,
    h('section', { 'aria-labelledby': 'sessions-h' },
      h('h2', { id: 'sessions-h' }, 'Sessions'),
      table('Live sessions, newest first', ['Signed in', 'Last used', 'Expires', 'Address', 'Browser', 'Action'],
        sessions.map((session) => [
          when(session.createdAt), when(session.lastUsedAt), when(session.expiresAt), session.ip ?? '—', session.userAgent ?? '—',
          h('button', {
            type: 'button', class: 'secondary small',
            'aria-label': `Revoke the session of ${session.userAgent ?? 'an unknown browser'} signed in ${when(session.createdAt)}`,
            onclick: () => void run('Revoke this session?', `${session.userAgent ?? 'This device'} (signed in ${when(session.createdAt)}) is signed out at once; the account's other sessions go on.`,
              'Revoke', REVOKE_SESSION, { userId: target.id, sessionId: session.id }, 'revokeUserSession'),
          }, 'Revoke…'),
        ]), 'none.'),
      sessions.length === 0 ? null : h('button', {
        type: 'button', class: 'danger',
        onclick: () => void run('Revoke every session?', `${target.email} is signed out everywhere, and every OAuth grant ends.`, 'Revoke all', REVOKE_ALL, { id: target.id }, 'revokeUserSessions'),
      }, 'Revoke all sessions…')),
    keysSection(target.apiKeys.edges.map(({ node }) => node)),
    h('section', { 'aria-labelledby': 'providers-h' },
      h('h2', { id: 'providers-h' }, 'Linked providers'),
      table('Upstream identities', ['Provider', 'Subject', 'Email there', 'Linked'], target.identities.map((identity) => [
        identity.provider, identity.subject, identity.email ?? '—', when(identity.linkedAt),
      ]), 'none.')));
}

function keysSection(keys: readonly KeyNode[]): HTMLElement {
  return h('section', { 'aria-labelledby': 'keys-h' },
    h('h2', { id: 'keys-h' }, 'API keys'),
    table('Keys of this account, newest first', ['Key', 'Scopes', 'Last used', 'Status'], keys.map((key) => [
      h('a', { href: link(`/keys/${key.id}`) }, `${key.name} (${key.start}…)`), key.scopes.join(', ') || 'none', when(key.lastUsedAt),
      key.revokedAt === null ? 'live' : `revoked ${when(key.revokedAt)}`,
    ]), 'none.'));
}
