/** What h() accepts as children: nodes, text, nothing, or lists of those. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;
type AttributeValue = string | number | boolean | null | undefined;
export type Attributes = Readonly<Record<string, AttributeValue | Handler>>;

/**
 * Builds an element: `on…` handlers are listened to, `true` sets a boolean attribute, false/null/undefined
 * leave it out, children are appended as nodes or text. Text never becomes markup (no innerHTML anywhere),
 * and no style attribute is set, which the CSP (style-src 'self') would refuse.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A labelled form control: the label names the control by `for`, as WCAG 1.3.1 and 4.1.2 ask. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement, help?: string): HTMLElement {
  control.id ||= `f-${Math.random().toString(36).slice(2, 10)}`;
  const helpId = help === undefined ? undefined : `${control.id}-help`;
  if (helpId !== undefined) control.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
    help === undefined ? null : h('span', { class: 'help', id: helpId }, help));
}

/** A <select> of value/label pairs. */
export function select(name: string, options: readonly (readonly [string, string])[], selected: string): HTMLSelectElement {
  return h('select', { name }, options.map(([value, label]) => h('option', { value, selected: value === selected }, label)));
}

/** A table with a caption (its accessible name) and header cells scoped to their columns. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], empty = 'Nothing to show.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, `${caption}: ${empty}`);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))))));
}

/** A message announced at once (errors) or politely (notices). */
export function alertBox(text: string): HTMLElement {
  return h('p', { class: 'alert', role: 'alert' }, text);
}

export function notice(text: string): HTMLElement {
  return h('p', { class: 'notice', role: 'status' }, text);
}
