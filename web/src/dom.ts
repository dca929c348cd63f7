// A tiny element builder: enough to write the UI without a framework.

type Attrs = Record<string, string | boolean | number | undefined | ((ev: Event) => void)>;
type Child = Node | string | null | undefined | false;

/** h('button', {class: 'x', onclick: fn}, 'text') creates an element; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: (Child | Child[])[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c !== null && c !== undefined && c !== false) el.append(c);
  }
}

/** Replaces every child of `el`. */
export function replace(el: HTMLElement, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** An alert box, as warnings and errors are shown above a result. */
export function alertBox(kind: 'error' | 'warning' | 'info', text: string): HTMLElement {
  return h('div', { class: `alert alert-${kind}`, role: 'alert' }, text);
}
