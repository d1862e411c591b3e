import { ApiError, expectType, gql } from '../api.ts';
import { confirmAction } from '../confirm.ts';
import { alertBox, field, h, notice, replace, table } from '../dom.ts';
import { checkbox, checkedValues, checkRow, saveChange, words } from '../edit.ts';
import { when } from '../format.ts';
import { link, type PageContext } from '../router.ts';
import { CLIENT, REVOKE_GRANT, UPDATE_CLIENT } from '../operations.ts';

const SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
const GRANT_TYPES = [
  ['AUTHORIZATION_CODE', 'Authorization code (browser sign-in with PKCE)'],
  ['REFRESH_TOKEN', 'Refresh token'],
  ['CLIENT_CREDENTIALS', 'Client credentials (the app itself; confidential apps only)'],
  ['DEVICE_CODE', 'Device code (CLIs and TVs)'],
] as const;

interface Grant {
  userId: string; user: { id: string; email: string } | null; scopes: string[]; offlineAccess: boolean; createdAt: string; lastUsedAt: string | null;
}
interface Client {
  id: string; clientId: string; name: string; public: boolean; redirectUris: string[]; postLogoutRedirectUris: string[];
  scopes: string[]; grantTypes: string[]; requirePar: boolean; dpopBoundAccessTokens: boolean; createdAt: string;
  grants: { edges: { node: Grant }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** One OAuth app: its settings, a form to change them (updateOAuthClient), and every account's grant to it. */
export async function appPage({ main, params, navigate }: PageContext, clientId: string): Promise<void> {
  const { oauthClient: client } = await gql<{ oauthClient: Client | null }>(CLIENT, { clientId, after: params.get('after') });
  if (client === null) {
    replace(main, h('h1', { tabindex: '-1' }, 'App not found'), h('p', {}, 'No app has this client_id.'));
    return;
  }
  const here = link(`/apps/${encodeURIComponent(client.clientId)}`);
  const status = h('div', { 'aria-live': 'polite' }, params.get('saved') === '1' ? notice('Saved: new requests follow the new settings.') : null);
  const grantStatus = h('div', { 'aria-live': 'polite' });
  const revoke = async (grant: Grant) => {
    const who = grant.user?.email ?? grant.userId;
    if (!(await confirmAction('End this grant?', `${client.name} loses its access to ${who} at once: every token it holds for the account stops working.`, 'End grant'))) return;
    try {
      const answer = (await gql<{ revokeUserOAuthGrant: { __typename: string } }>(REVOKE_GRANT, { userId: grant.userId, clientId: client.clientId })).revokeUserOAuthGrant;
      expectType(answer, 'RevokeOAuthGrantPayload');
      navigate(here);
    } catch (error) {
      replace(grantStatus, alertBox(error instanceof ApiError ? error.message : 'The grant did not end.'));
    }
  };
  const page = client.grants.pageInfo;
  replace(main,
    h('h1', { tabindex: '-1' }, `App ${client.name}`),
    h('dl', { class: 'details' },
      h('dt', {}, 'client_id'), h('dd', {}, h('code', {}, client.clientId)),
      h('dt', {}, 'Type'), h('dd', {}, client.public ? 'public (no secret, PKCE)' : 'confidential'),
      h('dt', {}, 'Registered'), h('dd', {}, when(client.createdAt))),
    status,
    settingsForm(client, status, () => navigate(link(`/apps/${encodeURIComponent(client.clientId)}`, { saved: '1' }))),
    h('section', { 'aria-labelledby': 'grants-h' },
      h('h2', { id: 'grants-h' }, 'Grants'),
      table('Accounts that granted this app access, newest first', ['Account', 'Scopes', 'Offline access', 'Granted', 'Last used', 'Action'],
        client.grants.edges.map(({ node }) => [
          node.user === null ? node.userId : h('a', { href: link(`/users/${node.userId}`) }, node.user.email),
          node.scopes.join(' '), node.offlineAccess ? 'yes' : 'no', when(node.createdAt), when(node.lastUsedAt),
          h('button', {
            type: 'button', class: 'danger small', 'aria-label': `End the grant of ${node.user?.email ?? node.userId}`, onclick: () => void revoke(node),
          }, 'End…'),
        ]), 'no account has granted it access.'),
      grantStatus,
      page.hasNextPage && page.endCursor !== null ? h('p', {}, h('a', { href: link(`/apps/${encodeURIComponent(client.clientId)}`, { after: page.endCursor }) }, 'More grants')) : null));
}

function settingsForm(client: Client, status: HTMLElement, saved: () => void): HTMLFormElement {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, value: client.name });
  const redirects = h('input', { type: 'text', name: 'redirectUris', value: client.redirectUris.join(' ') });
  const logouts = h('input', { type: 'text', name: 'postLogoutRedirectUris', value: client.postLogoutRedirectUris.join(' ') });
  const scopes = SCOPES.map((scope) => checkbox('edit-scope', scope, client.scopes.includes(scope)));
  const grantTypes = GRANT_TYPES.map(([value]) => checkbox('edit-grant', value, client.grantTypes.includes(value),
    client.public && value === 'CLIENT_CREDENTIALS'));
  const requirePar = checkbox('edit-par', 'yes', client.requirePar);
  const dpopBound = checkbox('edit-dpop', 'yes', client.dpopBoundAccessTokens);
  const form = h('form', { class: 'card', 'aria-labelledby': 'settings-h' },
    h('h2', { id: 'settings-h' }, 'Settings'),
    field('Name', name, 'What users see on the consent page.'),
    field('Redirect URIs', redirects, 'https URLs (http only on loopback), separated by spaces.'),
    field('Post-logout redirect URIs', logouts, 'Where /oauth/logout may send the browser back to; separated by spaces; may be empty.'),
    h('fieldset', {}, h('legend', {}, 'The most a user can grant it'), scopes.map((box) => checkRow(box, box.value))),
    h('fieldset', {}, h('legend', {}, 'Grant types'), grantTypes.map((box, i) => checkRow(box, GRANT_TYPES[i]![1]))),
    checkRow(requirePar, 'Require pushed authorization requests (PAR, RFC 9126)'),
    checkRow(dpopBound, 'Require DPoP proofs at the token endpoint (sender-constrained tokens, RFC 9449)'),
    h('button', { type: 'submit', class: 'primary' }, 'Save settings'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = {
      clientId: client.clientId, name: name.value, redirectUris: words(redirects.value), postLogoutRedirectUris: words(logouts.value),
      scopes: checkedValues(scopes), grantTypes: checkedValues(grantTypes), requirePar: requirePar.checked,
      dpopBoundAccessTokens: dpopBound.checked,
    };
    void saveChange(status, UPDATE_CLIENT, { input }, 'updateOAuthClient', 'OAuthClient').then((done) => {
      if (done) saved();
    });
  });
  return form;
}
