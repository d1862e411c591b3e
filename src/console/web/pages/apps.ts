import { ApiError, expectType, gql } from '../api.ts';
import { alertBox, field, h, notice, replace, table } from '../dom.ts';
import { when } from '../format.ts';
import { link, type Page } from '../router.ts';
import { CLIENTS, DELETE_CLIENT, REGISTER, ROTATE_CLIENT_SECRET } from '../operations.ts';
import { confirmAction } from '../confirm.ts';
import { appPage } from './app.ts';

const SCOPES = ['openid', 'profile', 'email'] as const;

interface Client { id: string; clientId: string; name: string; public: boolean; redirectUris: string[]; scopes: string[]; createdAt: string }
/** OAuth apps: the registered clients and a form to register one; /apps/<client_id> is one app (app.ts). */
export const appsPage: Page = async (context) => {
  if (context.segments[1] !== undefined) return appPage(context, context.segments[1]);
  const { main, params } = context;
  const clients = h('section', { 'aria-label': 'Registered apps' });
  const status = h('div', { 'aria-live': 'polite' });
  const listStatus = h('div', { 'aria-live': 'polite' });
  await drawClients(clients, params.get('after'), listStatus);
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100 });
  const uris = h('input', { type: 'text', name: 'redirectUris', required: true });
  const isPublic = h('input', { type: 'checkbox', name: 'public', id: 'app-public' });
  const scopes = SCOPES.map((scope) => h('input', { type: 'checkbox', name: 'scopes', value: scope, id: `app-scope-${scope}`, checked: true }));
  const form = h('form', { class: 'card', 'aria-labelledby': 'register-h' },
    h('h2', { id: 'register-h' }, 'Register an app'),
    field('Name', name, 'What users see on the consent page.'),
    field('Redirect URIs', uris, 'https URLs (http only on loopback), separated by spaces.'),
    h('div', { class: 'check' }, isPublic, h('label', { for: 'app-public' }, 'Public client (single-page or mobile app: no secret, PKCE)')),
    h('fieldset', {}, h('legend', {}, 'The most a user can grant it'),
      scopes.map((box) => h('div', { class: 'check' }, box, h('label', { for: box.id }, box.value)))),
    h('button', { type: 'submit', class: 'primary' }, 'Register'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const input = {
          name: name.value, public: isPublic.checked, redirectUris: uris.value.split(/\s+/).filter((uri) => uri !== ''),
          scopes: scopes.filter((box) => box.checked).map((box) => box.value),
        };
        const { registerOAuthClient } = await gql<{ registerOAuthClient: Registered }>(REGISTER, { input });
        const done = expectType(registerOAuthClient, 'RegisterOAuthClientPayload');
        replace(status, notice(`Registered ${done.client?.name ?? ''}: client_id ${done.client?.clientId ?? ''}.`), done.clientSecret == null ? null
          : h('p', {}, 'Its secret, shown only now: ', h('code', { class: 'secret', 'data-secret': '' }, done.clientSecret)));
        form.reset();
        await drawClients(clients, null, listStatus);
      } catch (error) {
        replace(status, alertBox(error instanceof ApiError ? error.message : 'The app was not registered.'));
      }
    })();
  });
  replace(main,
    h('h1', { tabindex: '-1' }, 'OAuth apps'),
    clients, listStatus,
    form);
};

interface Registered { __typename: string; clientSecret?: string | null; client?: { clientId: string; name: string } }

async function drawClients(section: HTMLElement, after: string | null, status: HTMLElement): Promise<void> {
  const act = async (client: Client, rotate: boolean) => {
    const asked = rotate
      ? await confirmAction('Rotate this app\'s secret?', `${client.name} gets a new secret, shown once; the old one stops working at once.`, 'Rotate secret')
      : await confirmAction('Delete this app?', `${client.name} is deleted and every grant users gave it ends at once.`, 'Delete');
    if (!asked) return;
    try {
      const answer = rotate
        ? expectType((await gql<{ rotateOAuthClientSecret: Registered }>(ROTATE_CLIENT_SECRET, { clientId: client.clientId })).rotateOAuthClientSecret, 'RotateOAuthClientSecretPayload')
        : expectType((await gql<{ deleteOAuthClient: Registered }>(DELETE_CLIENT, { clientId: client.clientId })).deleteOAuthClient, 'DeleteOAuthClientPayload');
      replace(status, notice(rotate ? `New secret for ${client.name}, shown only now:` : `Deleted ${client.name}.`),
        rotate ? h('p', {}, h('code', { class: 'secret', 'data-secret': '' }, answer.clientSecret ?? '')) : null);
      await drawClients(section, null, status);
    } catch (error) {
      replace(status, alertBox(error instanceof ApiError ? error.message : 'That failed.'));
    }
  };
  const { oauthClients } = await gql<{ oauthClients: { edges: { node: Client }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(CLIENTS, { after });
  const page = oauthClients.pageInfo;
  replace(section,
    table('Registered apps, newest first', ['Name', 'client_id', 'Type', 'Redirect URIs', 'Scopes', 'Registered', 'Actions'],
      oauthClients.edges.map(({ node }) => [
        h('a', { href: link(`/apps/${encodeURIComponent(node.clientId)}`) }, node.name), h('code', {}, node.clientId), node.public ? 'public' : 'confidential',
        h('ul', { class: 'plain' }, node.redirectUris.map((uri) => h('li', {}, uri))), node.scopes.join(' '), when(node.createdAt),
        h('div', { class: 'actions tight' },
          node.public ? null : h('button', { type: 'button', class: 'secondary small', 'aria-label': `Rotate the secret of ${node.name}`, onclick: () => void act(node, true) }, 'Rotate secret…'),
          h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${node.name}`, onclick: () => void act(node, false) }, 'Delete…')),
      ]), 'none registered yet.'),
    page.hasNextPage && page.endCursor !== null ? h('p', {}, h('a', { href: link('/apps', { after: page.endCursor }) }, 'More apps')) : null);
}
