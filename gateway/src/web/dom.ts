/**
 * A few lines of DOM building instead of a framework: pages are functions that return nodes and
 * are re-rendered whole when their data changes, which is plenty for forms and tables and keeps
 * the first load small.
 *
 * Text children must be `Msg` (translated UI text) or nodes; data from the ledger goes through
 * `text()`. That split is what lets the type checker refuse hard-coded UI strings.
 */
import type { Msg } from './i18n/index.js';

export type Child = Node | Msg | null | undefined | false | readonly Child[];

type Handlers = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };

/** The attributes the console uses; user-visible ones take translated text only. */
export interface Attrs {
  id?: string;
  class?: string;
  type?: string;
  name?: string;
  value?: string;
  href?: string;
  for?: string;
  role?: string;
  tabindex?: number;
  disabled?: boolean;
  checked?: boolean;
  selected?: boolean;
  required?: boolean;
  multiple?: boolean;
  hidden?: boolean;
  readonly?: boolean;
  min?: string | number;
  max?: string | number;
  step?: string | number;
  rows?: number;
  colspan?: number;
  scope?: string;
  accept?: string;
  autocomplete?: string;
  lang?: string;
  datetime?: string;
  'aria-label'?: Msg;
  'aria-live'?: 'polite' | 'assertive';
  'aria-current'?: 'page' | 'true';
  'aria-describedby'?: string;
  'aria-labelledby'?: string;
  'aria-invalid'?: boolean;
  'aria-busy'?: boolean;
  'aria-pressed'?: boolean;
  'aria-expanded'?: boolean;
  'data-state'?: string;
  title?: Msg;
  placeholder?: Msg;
  on?: Handlers;
}

/** Properties that must be set as DOM properties: their attributes only hold initial values. */
const PROPERTIES = new Set(['value', 'checked', 'selected']);

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (typeof child === 'string') parent.appendChild(document.createTextNode(child));
  else if (child instanceof Node) parent.appendChild(child);
  else for (const c of child) append(parent, c);
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const { on, ...plain } = attrs ?? {};
  for (const [event, handler] of Object.entries(on ?? {})) {
    el.addEventListener(event, handler as EventListener);
  }
  for (const [name, value] of Object.entries(plain) as [
    string,
    string | number | boolean | undefined,
  ][]) {
    if (PROPERTIES.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = value;
    } else if (value === true) {
      el.setAttribute(name, name.startsWith('aria-') ? 'true' : '');
    } else if (value === false && name.startsWith('aria-')) {
      el.setAttribute(name, 'false');
    } else if (value !== false && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children) append(el, child);
  return el;
}

/** Data (names, ids, digests, numbers) shown as it is, never translated. */
export const text = (value: string | number): Text => document.createTextNode(String(value));

/** Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  for (const child of children) append(parent, child);
}
