import { ApiError, gql } from '../api.ts';
import { confirmAction } from '../confirm.ts';
import { alertBox, h, notice, replace, table } from '../dom.ts';
import { when } from '../format.ts';
import type { Page } from '../router.ts';

const KEYS = 'query ConsoleSigningKeys { signingKeys { kid algorithm current createdAt retiredAt } }';
const ROTATE = `mutation ConsoleRotateSigningKeys($input: RotateSigningKeysInput) {
  rotateSigningKeys(input: $input) { keys { kid } }
}`;

interface SigningKey { kid: string; algorithm: string; current: boolean; createdAt: string; retiredAt: string | null }

/** The keys that sign tokens, and their rotation: planned, or at once when a key may have leaked. */
export const signingKeysPage: Page = async ({ main, navigate }) => {
  const { signingKeys } = await gql<{ signingKeys: SigningKey[] }>(KEYS);
  const status = h('div', { 'aria-live': 'polite' });
  const rotate = (revokeCurrent: boolean) => async () => {
    const text = revokeCurrent
      ? 'New keys sign at once; the current keys are deleted and every token they signed is refused from the next request on. Sessions and refresh tokens stay valid.'
      : 'New keys are made now and sign in 10 minutes; the current ones keep verifying for 24 hours after that.';
    if (!(await confirmAction(revokeCurrent ? 'Rotate and revoke now?' : 'Rotate the signing keys?', text, revokeCurrent ? 'Rotate and revoke' : 'Rotate'))) return;
    try {
      await gql(ROTATE, { input: { revokeCurrent } });
      navigate(location.pathname);
      replace(status, notice('Rotated.'));
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
