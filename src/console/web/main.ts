import { ApiError } from './api.ts';
import { alertBox, h, replace } from './dom.ts';
import { appsPage } from './pages/apps.ts';
import { auditPage } from './pages/audit.ts';
import { keyPage } from './pages/key.ts';
import { overviewPage } from './pages/overview.ts';
import { signInPage } from './pages/sign-in.ts';
import { signingKeysPage } from './pages/signing-keys.ts';
import { topKeysPage } from './pages/top-keys.ts';
import { usersPage } from './pages/users.ts';
import { BASE, interceptNavigation, type Page } from './router.ts';
import { signOut, whoAmI, type Admin } from './session.ts';

const NAV = [
  ['', 'Overview'], ['/keys', 'Top keys'], ['/users', 'Users'], ['/audit', 'Audit log'], ['/apps', 'OAuth apps'], ['/signing-keys', 'Signing keys'],
] as const;

function pageOf(segments: readonly string[]): Page {
  switch (segments[0]) {
    case undefined: return overviewPage;
    case 'keys': return segments[1] === undefined ? topKeysPage : keyPage;
    case 'users': return usersPage;
    case 'audit': return auditPage;
    case 'apps': return appsPage;
    case 'signing-keys': return signingKeysPage;
    default: return async ({ main }) => replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'The console has no such page.'));
  }
}

const root = document.getElementById('app') as HTMLElement;
let admin: Admin | null = null;
let navigated = false;

async function start(): Promise<void> {
  try {
    admin = await whoAmI();
  } catch (error) {
    replace(root, h('main', { id: 'main' }, alertBox(error instanceof ApiError ? error.message : 'The console cannot start.')));
    return;
  }
  if (admin === null) return signInPage(root, () => void start());
  if (!admin.roles.includes('admin')) return refuse(admin);
  await render();
}

/** A signed-in account without the admin role sees why, and can sign out; nothing else is asked of the API. */
function refuse(account: Admin): void {
  const out = h('button', { type: 'button', class: 'secondary', onclick: () => void signOut().then(start) }, 'Sign out');
  replace(root, h('main', { id: 'main', class: 'signin' }, h('div', { class: 'card narrow' },
    h('h1', { tabindex: '-1' }, 'Admins only'),
    alertBox(`${account.email} is not an admin: the console is for accounts with the admin role.`), out)));
}

async function render(): Promise<void> {
  if (admin === null) return start();
  const segments = location.pathname.slice(BASE.length).split('/').filter((part) => part !== '').map(decodeURIComponent);
  const current = segments[0] === undefined ? '' : `/${segments[0]}`;
  const main = h('main', { id: 'main' });
  const signedIn = admin;
  replace(root,
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('header', { class: 'top' },
      h('span', { class: 'brand' }, 'Latchkey admin'),
      h('nav', { 'aria-label': 'Console' }, h('ul', {}, NAV.map(([path, label]) =>
        h('li', {}, h('a', { href: `${BASE}${path}`, 'aria-current': path === current ? 'page' : null }, label))))),
      h('span', { class: 'who' }, signedIn.email, ' ',
        h('button', { type: 'button', class: 'link', onclick: () => void signOut().then(() => { admin = null; history.pushState(null, '', BASE); return start(); }) }, 'Sign out'))),
    main);
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  try {
    await pageOf(segments)({ main, segments, params: new URLSearchParams(location.search), admin: signedIn, navigate });
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'SESSION_EXPIRED')) {
      admin = null;
      return signInPage(root, () => void start(), 'Your session ended: sign in again.');
    }
    replace(main, h('h1', { tabindex: '-1' }, 'Something went wrong'), alertBox(error instanceof Error ? error.message : String(error)));
  }
  document.title = `${main.querySelector('h1')?.textContent ?? 'Console'} · Latchkey admin`;
  // After a navigation, focus goes to the new page's heading, which screen readers announce; a first load
  // keeps the browser's order, where the skip link comes first.
  if (navigated) main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  document.body.dataset.ready = 'true';
}

function navigate(to: string): void {
  navigated = true;
  if (to !== location.pathname + location.search) history.pushState(null, '', to);
  document.body.dataset.ready = 'false';
  void render();
}

interceptNavigation(navigate);
window.addEventListener('popstate', () => {
  navigated = true;
  void render();
});
void start();
