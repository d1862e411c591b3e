import { ApiError, gql } from '../api.ts';
import { confirmAction } from '../confirm.ts';
import { alertBox, h, notice, replace, table } from '../dom.ts';
import { when } from '../format.ts';
import { link, type Page } from '../router.ts';
import { withStepUp } from '../step-up.ts';
import { KEYS, ROTATE } from '../operations.ts';

interface SigningKey { kid: string; algorithm: string; current: boolean; createdAt: string; retiredAt: string | null }

/** The keys that sign tokens, and their rotation: planned, or at once when a key may have leaked. */
export const signingKeysPage: Page = async ({ main, params, navigate }) => {
  const { signingKeys } = await gql<{ signingKeys: SigningKey[] }>(KEYS);
  const rotated = params.get('rotated');
  const status = h('div', { 'aria-live': 'polite' }, rotated === null ? null
    : notice(rotated === 'revoked' ? 'Rotated: the old keys are gone.' : 'Rotated: the new keys sign in 10 minutes.'));
  const rotate = (revokeCurrent: boolean) => async () => {
    const text = revokeCurrent
      ? 'New keys sign at once; the current keys are deleted and every token they signed is refused from the next request on. Sessions and refresh tokens stay valid.'
      : 'New keys are made now and sign in 10 minutes; the current ones keep verifying for 24 hours after that.';
    if (!(await confirmAction(revokeCurrent ? 'Rotate and revoke now?' : 'Rotate the signing keys?', text, revokeCurrent ? 'Rotate and revoke' : 'Rotate'))) return;
    try {
      const done = await withStepUp(() => gql(ROTATE, { input: { revokeCurrent } }));
      if (done !== undefined) navigate(link('/signing-keys', { rotated: revokeCurrent ? 'revoked' : 'planned' }));
    } catch (error) {
      replace(status, alertBox(error instanceof ApiError ? error.message : 'The keys were not rotated.'));
    }
  };
  replace(main,
    h('h1', { tabindex: '-1' }, 'Signing keys'),
    table('Keys that sign and verify tokens, newest first', ['Key id', 'Algorithm', 'Signs now', 'Created', 'Retires'], signingKeys.map((key) => [
      h('code', {}, key.kid), key.algorithm, key.current ? 'yes' : 'no', when(key.createdAt), key.retiredAt === null ? '—' : when(key.retiredAt),
    ])),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => void rotate(false)() }, 'Rotate…'),
      h('button', { type: 'button', class: 'danger', onclick: () => void rotate(true)() }, 'Rotate and revoke…')),
    status);
};
