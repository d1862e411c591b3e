import { field, h } from '../dom.ts';
import { checkbox, checkedValues, checkRow, saveChange } from '../edit.ts';
import { UPDATE_KEY } from '../operations.ts';

/** What the form shows of a key (ConsoleKey). */
export interface KeySettings {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number } | null;
  readonly expiresAt: string | null;
  /** What the API says this key may be given (ApiKey.grantableScopes). */
  readonly grantableScopes: readonly { readonly name: string; readonly description: string }[];
}

/**
 * A live key's settings form: name, scopes, rate limit and expiry (UTC); what changed goes to updateApiKey.
 * An empty limit means unlimited and an empty expiry never. Granting the scope admin asks for a fresh sign-in.
 */
export function keySettingsForm(key: KeySettings, status: HTMLElement, saved: () => void): HTMLFormElement {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, value: key.name });
  // A scope the key holds but may no longer be given (its owner lost it) stays shown, so that it can be taken away.
  const offered = new Map(key.grantableScopes.map((scope) => [scope.name, scope.description]));
  const scopes = [...new Set([...offered.keys(), ...key.scopes])].map((scope) => checkbox('key-scope', scope, key.scopes.includes(scope)));
  const limit = h('input', { type: 'number', name: 'limit', min: 1, max: 1_000_000, step: 1, value: key.rateLimit?.limit ?? '' });
  const windowSeconds = h('input', { type: 'number', name: 'windowSeconds', min: 1, max: 86_400, step: 1, value: key.rateLimit?.windowSeconds ?? 60 });
  // datetime-local shows minutes; the API's ISO instant is UTC, so its first 16 characters are the same minute.
  const shownExpiry = key.expiresAt?.slice(0, 16) ?? '';
  const expires = h('input', { type: 'datetime-local', name: 'expiresAt', value: shownExpiry });
  const form = h('form', { class: 'card', 'aria-labelledby': 'key-settings-h' },
    h('h2', { id: 'key-settings-h' }, 'Settings'),
    field('Key name', name),
    h('fieldset', {}, h('legend', {}, 'Scopes'), scopes.map((box) => checkRow(box, box.value, offered.get(box.value) ?? 'Its owner may no longer grant it: clear it to take it away.'))),
    h('div', { class: 'filters' },
      field('Rate limit (requests)', limit, 'Empty: unlimited.'),
      field('Per window of (seconds)', windowSeconds, '1 to 86,400.')),
    field('Expires (UTC)', expires, 'Empty: never.'),
    h('button', { type: 'submit', class: 'primary' }, 'Save settings'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosenScopes = checkedValues(scopes);
    const rateLimit = limit.value === '' ? null : { limit: Number(limit.value), windowSeconds: Number(windowSeconds.value) };
    const expiresAt = expires.value === '' ? null : new Date(`${expires.value}Z`).toISOString();
    // Only what changed is sent (a field left out stays): a key holding a scope its owner lost keeps it while its limit changes.
    const input = {
      id: key.id,
      ...(name.value === key.name ? {} : { name: name.value }),
      ...(sameSet(chosenScopes, key.scopes) ? {} : { scopes: chosenScopes }),
      ...(sameLimit(rateLimit, key.rateLimit) ? {} : { rateLimit }),
      ...(expires.value === shownExpiry ? {} : { expiresAt }),
    };
    void saveChange(status, UPDATE_KEY, { input }, 'updateApiKey', 'ApiKey').then((done) => {
      if (done) saved();
    });
  });
  return form;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

function sameLimit(a: KeySettings['rateLimit'], b: KeySettings['rateLimit']): boolean {
  return a === null || b === null ? a === b : a.limit === b.limit && a.windowSeconds === b.windowSeconds;
}
