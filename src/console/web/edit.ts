import { ApiError, expectType, gql } from './api.ts';
import { alertBox, h, replace } from './dom.ts';
import { withStepUp } from './step-up.ts';

/** A labelled checkbox; its id is made from the name and value, so each page must use a pair once. */
export function checkbox(name: string, value: string, checked: boolean, disabled = false): HTMLInputElement {
  return h('input', { type: 'checkbox', name, value, id: `${name}-${value}`.replace(/[^\w-]/g, '-'), checked, disabled });
}

/** A checkbox with its label (and a help text that describes it), in the layout of the console's forms. */
export function checkRow(box: HTMLInputElement, label: string, help?: string): HTMLElement {
  const helpId = help === undefined ? undefined : `${box.id}-help`;
  if (helpId !== undefined) box.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'check' }, box, h('label', { for: box.id }, label),
    help === undefined ? null : h('span', { class: 'help', id: helpId }, help));
}

/** The values of the checked boxes. */
export function checkedValues(boxes: readonly HTMLInputElement[]): string[] {
  return boxes.filter((box) => box.checked).map((box) => box.value);
}

/** Space- or line-separated text as a list, empty parts dropped (URIs hold no spaces). */
export function words(text: string): string[] {
  return text.split(/\s+/).filter((part) => part !== '');
}

/**
 * Sends one change of an edit form as the mutation `field`, asking for a fresh sign-in when the API wants
 * one (step-up). True when the API answered `expected`; otherwise the API's message (a ValidationError names
 * its field) is shown in `status` and false returned, as it is when the admin cancels the step-up.
 */
export async function saveChange(status: HTMLElement, mutation: string, variables: Record<string, unknown>, field: string, expected: string): Promise<boolean> {
  try {
    const done = await withStepUp(async () => {
      const answer = (await gql<Record<string, { __typename: string }>>(mutation, variables))[field];
      if (answer === undefined) throw new ApiError('The server answered nothing.', 'BAD_RESPONSE');
      return expectType(answer, expected);
    });
    return done !== undefined;
  } catch (error) {
    replace(status, alertBox(error instanceof ApiError ? error.message : 'The change was not saved.'));
    return false;
  }
}
