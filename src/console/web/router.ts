import type { Admin } from './session.ts';

export const BASE = '/admin';

/** What a page gets: where to draw, the path's parts after /admin, the query, and how to move on. */
export interface PageContext {
  readonly main: HTMLElement;
  readonly segments: readonly string[];
  readonly params: URLSearchParams;
  readonly admin: Admin;
  navigate(to: string): void;
}

export type Page = (context: PageContext) => Promise<void>;

/** A link target inside the console. */
export function link(path: string, params: Record<string, string | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value != null && value !== '') query.set(name, value);
  const search = query.toString();
  return `${BASE}${path}${search === '' ? '' : `?${search}`}`;
}

/**
 * Same-document navigation: a plain click on a console link, or a GET form inside the console, becomes a
 * history entry and a redraw; every other click (new tab, modifier keys, other paths) is the browser's.
 */
export function interceptNavigation(navigate: (to: string) => void): void {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest('a');
    if (anchor === null || anchor === undefined || anchor.target !== '' || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href);
    if (url.origin !== location.origin || (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`))) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  document.addEventListener('submit', (event) => {
    const form = event.target as HTMLFormElement;
    if (event.defaultPrevented || form.method.toLowerCase() !== 'get') return;
    event.preventDefault();
    const url = new URL(form.action);
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value !== '') query.set(name, value);
    navigate(url.pathname + (query.size === 0 ? '' : `?${query}`));
  });
}
