/**
 * Shared building blocks for pages: labelled form controls, tables, badges, formatting and
 * downloads. Pages compose these so that every control has a label and every table a caption.
 */
import type { DeadlineTerms } from '@shulian/chaincode/constants';
import { ApiError, type Downloaded, type Page, type PageParams } from './api.js';
import { go, parseHash, refresh, type RouteParams } from './router.js';
import { h, replace, text, type Attrs, type Child } from './dom.js';
import { isMessageKey, locale, t, type Msg } from './i18n/index.js';

let nextId = 0;
const uid = (prefix: string): string => `${prefix}-${String(++nextId)}`;

// ---- form controls ---------------------------------------------------------------------------

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const isFormControl = (el: Element): el is Control | HTMLButtonElement =>
  el instanceof HTMLInputElement ||
  el instanceof HTMLSelectElement ||
  el instanceof HTMLTextAreaElement ||
  el instanceof HTMLButtonElement;

/**
 * Controls that come with buttons of their own (a day's calendar, a file's chooser), made once
 * `field()` knows the label they are named after.
 */
const companions = new WeakMap<Control, (label: Msg) => HTMLElement>();

/** Gives `control` its companion, placed beside it by `field()`. */
export function accompany(control: Control, make: (label: Msg) => HTMLElement): void {
  companions.set(control, make);
}

/** A control with its visible label (and optional hint) bound by id, for screen readers. */
export function field(label: Msg, control: Control, hint?: Msg): HTMLElement {
  control.id ||= uid('f');
  const hintEl = hint ? h('small', { id: uid('hint'), class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const companion = companions.get(control)?.(label);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    companion ? h('div', { class: 'with-companion' }, control, companion) : control,
    hintEl,
  );
}

/**
 * A file chooser in the console's language. The browser's own button and its "no file chosen"
 * speak the browser's language whatever the console's, so the input is hidden (out of the tab
 * order, still labelled) behind a button that opens it and the name of the file chosen.
 */
export function fileInput(name: string, attrs: { accept?: string } = {}): HTMLInputElement {
  const input = h('input', {
    type: 'file',
    name,
    class: 'visually-hidden',
    tabindex: -1,
    ...attrs,
  });
  accompany(input, (label) => {
    const chosen = h('span', { id: uid('file'), class: 'file-name' }, t('file.none'));
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      replace(chosen, file ? text(file.name) : t('file.none'));
    });
    return h(
      'span',
      { class: 'file-chooser' },
      button(t('file.choose'), () => input.click(), 'secondary', {
        'aria-label': t('file.chooseFor', { field: label }),
        'aria-describedby': chosen.id,
      }),
      chosen,
    );
  });
  return input;
}

export interface Option {
  value: string;
  label: Msg | Text;
}

export function select(
  name: string,
  options: readonly Option[],
  value = '',
  attrs: Attrs = {},
): HTMLSelectElement {
  return h(
    'select',
    { name, ...attrs },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
  );
}

/** Options for one of the constants' enums, labelled through the dictionary's `prefix.value` keys. */
export function enumOptions<V extends string>(
  values: readonly V[],
  label: (value: V) => Msg,
): Option[] {
  return values.map((value) => ({ value, label: label(value) }));
}

/** Options led by an "any" choice, for filters. */
export const withAny = (options: Option[]): Option[] => [
  { value: '', label: t('common.any') },
  ...options,
];

export function input(name: string, attrs: Attrs = {}): HTMLInputElement {
  return h('input', { name, type: 'text', ...attrs });
}

export function textarea(name: string, attrs: Attrs = {}): HTMLTextAreaElement {
  return h('textarea', { name, rows: 3, ...attrs });
}

/** A group of checkboxes under one legend (fields of a request, share methods). */
export function checkboxes(
  legend: Msg,
  name: string,
  options: readonly Option[],
  checked: readonly string[],
): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: 'checks' },
    h('legend', null, legend),
    options.map((o) => {
      const box = h('input', {
        type: 'checkbox',
        name,
        value: o.value,
        checked: checked.includes(o.value),
      });
      box.id = uid('c');
      return h('label', { for: box.id, class: 'check' }, box, o.label);
    }),
  );
}

/** Values of the checked boxes named `name` inside `form`. */
export const checkedValues = (form: HTMLFormElement, name: string): string[] =>
  [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map(
    (box) => box.value,
  );

/** A form control's trimmed value by name. */
export function formValue(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (
    el instanceof HTMLInputElement ||
    el instanceof HTMLSelectElement ||
    el instanceof HTMLTextAreaElement
  ) {
    return el.value.trim();
  }
  return '';
}

/** Items typed one per line or separated by spaces, commas (also full-width) or 、. */
export const listItems = (text: string): string[] => text.split(/[\s,，、]+/).filter(Boolean);

export type ButtonKind = 'primary' | 'secondary' | 'danger';

export function button(
  label: Msg,
  onClick: (event: MouseEvent) => void,
  kind: ButtonKind = 'secondary',
  attrs: Attrs = {},
): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `btn ${kind}`, ...attrs, on: { click: onClick } },
    label,
  );
}

export const submit = (label: Msg, kind: ButtonKind = 'primary'): HTMLButtonElement =>
  h('button', { type: 'submit', class: `btn ${kind}` }, label);

/** A status line, announced to screen readers, for the outcome of an action. */
export const statusLine = (): HTMLElement =>
  h('span', { class: 'form-status', role: 'status', 'aria-live': 'polite' });

/**
 * A button that runs an action, then re-renders the page to show its effect. The outcome is
 * announced next to the button, or in `shared` when a row's buttons share one status line.
 */
function actionButton(
  label: Msg,
  run: () => Promise<unknown>,
  kind: ButtonKind = 'secondary',
  shared?: HTMLElement,
): HTMLElement {
  const status = shared ?? statusLine();
  const btn = button(
    label,
    () => {
      btn.disabled = true;
      status.className = 'form-status';
      status.replaceChildren(t('common.working'));
      // Through then() so a synchronous throw (a missing reason) is reported like a failed call.
      Promise.resolve()
        .then(run)
        .then(() => refresh())
        .catch((err: unknown) => {
          if (err instanceof Cancelled) {
            status.replaceChildren();
            return;
          }
          status.className = 'form-status error';
          status.replaceChildren(errorText(err));
        })
        .finally(() => {
          btn.disabled = false;
        });
    },
    kind,
  );
  return shared ? btn : h('span', { class: 'action' }, btn, status);
}

export interface ReasonAction {
  label: Msg;
  kind: ButtonKind;
  /** Refusals, escalations, withdrawals and revocations must say why. */
  requireReason: boolean;
  /**
   * What the act will do, asked before it is recorded (approve, reject, revoke cannot be undone
   * on a ledger); without it the act runs at once.
   */
  question?: (reason: string) => Msg;
  run: (reason: string) => Promise<unknown>;
}

/** The user closed a confirmation without confirming: nothing was done, nothing to report. */
class Cancelled extends Error {}

/**
 * Asks before an act the ledger records for good: a modal dialog naming the act, answered by its
 * two buttons or Escape (cancel). Resolves true only when the act's own button was pressed.
 */
export function confirmDialog(question: Msg, act: Msg, kind: ButtonKind): Promise<boolean> {
  return new Promise((done) => {
    const heading = h('h2', { id: uid('d') }, t('common.confirmTitle'));
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': heading.id },
      heading,
      h('p', null, question),
      h(
        'div',
        { class: 'row-actions' },
        button(act, () => dialog.close('yes'), kind),
        button(t('common.cancel'), () => dialog.close('no')),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      done(dialog.returnValue === 'yes');
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Runs `action` once confirmed; a declined confirmation throws `Cancelled`. */
async function confirmed(action: ReasonAction, why: string): Promise<unknown> {
  if (action.question && !(await confirmDialog(action.question(why), action.label, action.kind)))
    throw new Cancelled();
  return action.run(why);
}

/**
 * A labelled reason box with the row's action buttons (approve / reject / escalate, revoke,
 * resolve); `extra` holds controls some actions need besides the reason.
 */
export function reasonForm(
  label: Msg,
  actions: readonly (ReasonAction | null)[],
  extra: Child = null,
): HTMLElement {
  const reason = input('reason', { autocomplete: 'off' });
  const status = statusLine();
  const reasonFor = (action: ReasonAction): string => {
    const why = reason.value.trim();
    const missing = action.requireReason && !why;
    reason.setAttribute('aria-invalid', String(missing));
    if (missing) throw new UserError(t('common.reasonRequired'));
    return why;
  };
  return h(
    'div',
    { class: 'decision' },
    extra,
    field(label, reason),
    h(
      'div',
      { class: 'row-actions' },
      actions.map(
        (a) => a && actionButton(a.label, () => confirmed(a, reasonFor(a)), a.kind, status),
      ),
    ),
    status,
  );
}

/**
 * Runs a form action: disables the form while it runs and shows the outcome in the form's own
 * live region, so a slow ledger commit cannot be submitted twice and errors are announced.
 */
export function onSubmit(
  form: HTMLFormElement,
  action: () => Promise<Msg | void>,
): HTMLFormElement {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  form.appendChild(status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Only those enabled now, so a control that was disabled on purpose stays so afterwards.
    const controls = [...form.elements].filter(isFormControl).filter((c) => !c.disabled);
    for (const c of controls) c.disabled = true;
    form.setAttribute('aria-busy', 'true');
    status.className = 'form-status';
    status.replaceChildren(t('common.working'));
    action()
      .then((done) => {
        status.replaceChildren(done ?? '');
      })
      .catch((err: unknown) => {
        status.className = 'form-status error';
        status.replaceChildren(errorText(err));
      })
      .finally(() => {
        for (const c of controls) if (c.isConnected) c.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });
  return form;
}

// ---- display ---------------------------------------------------------------------------------

export type BadgeKind = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export const badge = (label: Msg, kind: BadgeKind = 'info'): HTMLElement =>
  h('span', { class: `badge ${kind}` }, label);

export interface Column<T> {
  header: Msg;
  cell: (row: T) => Child;
  /** Numbers align right. */
  numeric?: boolean;
}

/** A captioned table, or the empty message when there are no rows. */
export function table<T>(
  caption: Msg,
  columns: readonly Column<T>[],
  rows: readonly T[],
  rowClass?: (row: T) => string,
): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, t('common.empty'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : '' }, c.header)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row) =>
          h(
            'tr',
            { class: rowClass?.(row) ?? '' },
            columns.map((c) => h('td', { class: c.numeric ? 'num' : '' }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** A definition list of label → value pairs, for an entity's details. */
export function details(pairs: readonly (readonly [Msg, Child])[]): HTMLElement {
  return h(
    'dl',
    { class: 'details' },
    pairs.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  );
}

/** A panel named by its heading, so assistive technology lists it as a region. */
export function section(title: Msg, ...children: Child[]): HTMLElement {
  const heading = h('h2', { id: uid('s') }, title);
  return h('section', { class: 'panel', 'aria-labelledby': heading.id }, heading, children);
}

/** Page heading: the h1 that the router focuses after navigation. */
export const pageTitle = (title: Msg, ...actions: Child[]): HTMLElement =>
  h(
    'div',
    { class: 'page-head' },
    h('h1', { tabindex: -1 }, title),
    h('div', { class: 'actions' }, actions),
  );

/** A digest or id shown in full, monospaced and breakable, so it can be compared by eye. */
export const mono = (value: string): HTMLElement => h('code', { class: 'mono' }, text(value));

/** Parts of an instant in China Standard Time; the language does not change the order. */
const cstParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * A ledger instant in China Standard Time, which is what deadlines are counted in, as
 * YYYY-MM-DD HH:mm in both languages (the machine-readable instant stays in `datetime`).
 */
export function formatTime(iso: string | null | undefined): HTMLElement | Text {
  if (!iso) return text('—');
  const part = Object.fromEntries(
    cstParts.formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  ) as Partial<Record<Intl.DateTimeFormatPartTypes, string>>;
  const shown = `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
  return h('time', { class: 'nowrap', datetime: iso }, text(shown));
}

export const formatNumber = (value: number, digits = 0): Text =>
  text(value.toLocaleString(locale(), { maximumFractionDigits: digits }));

export const formatPercent = (ratio: number | null): Text =>
  ratio === null
    ? text('—')
    : text(`${(ratio * 100).toLocaleString(locale(), { maximumFractionDigits: 1 })}%`);

export function formatBytes(bytes: number): Text {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return text(
    `${value.toLocaleString(locale(), { maximumFractionDigits: unit ? 1 : 0 })} ${units[unit] ?? ''}`,
  );
}

/** A period of CST days, each date kept on one line. */
export const period = (from: string, to: string): HTMLElement =>
  h(
    'span',
    null,
    h('span', { class: 'nowrap' }, text(cstDay(from))),
    text(' – '),
    h('span', { class: 'nowrap' }, text(cstDay(to))),
  );

const cstDays = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });

/** A CST calendar day; the ledger gives periods as days or as the instants bounding them. */
const cstDay = (value: string): string =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : cstDays.format(new Date(value));

/** The instant a period bound stands for: a bare day means that whole CST day. */
export const boundInstant = (value: string, end: boolean): number =>
  /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}+08:00`)
    : Date.parse(value);

/**
 * A deadline, with an overdue badge when it passed while the item is still open, and a
 * provisional one when the ledger counted Monday to Friday for a year whose working-day
 * calendar the coordinator has not yet published (the date may move when it is).
 */
export function deadline(terms: DeadlineTerms, overdue: boolean | undefined): HTMLElement {
  const years = terms.deadlineUnpublishedYears ?? [];
  return h(
    'span',
    { class: 'deadline' },
    formatTime(terms.deadline),
    overdue ? badge(t('common.overdue'), 'bad') : null,
    terms.deadlineProvisional
      ? h(
          'span',
          { class: 'badge muted', title: t('common.provisionalHint', { years: years.join(', ') }) },
          t('common.provisional'),
        )
      : null,
  );
}

/** A failure the user can fix (a missing reason), already in their language. */
export class UserError extends Error {
  constructor(readonly msg: Msg) {
    super(msg);
  }
}

/**
 * What a refusal means in the user's language, from its stable code alone: the gateway's and
 * chaincode's messages are English and for logs, so they are never shown.
 */
export function codeText(code: string): Msg {
  const key = `error.${code}`;
  return isMessageKey(key) ? t(key) : t('error.failed', { code });
}

/** The message for an error: its code's translation, or a generic failure. */
export function errorText(err: unknown): Msg {
  if (err instanceof UserError) return err.msg;
  if (err instanceof ApiError) return codeText(err.code);
  return t('error.unexpected', { message: err instanceof Error ? err.message : String(err) });
}

/** A coloured message; failures are announced at once, successes politely. */
export const notice = (kind: 'ok' | 'warn' | 'error', message: Msg): HTMLElement =>
  h('p', { class: `alert ${kind}`, role: kind === 'ok' ? 'status' : 'alert' }, message);

/** The values of a page's filters, read from its URL (absent ones empty). */
export function filtersOf<N extends string>(
  params: RouteParams,
  names: readonly N[],
): Record<N, string> {
  const values = {} as Record<N, string>;
  for (const name of names) values[name] = params.query.get(name) ?? '';
  return values;
}

/**
 * A search form whose filters live in the URL, so a result list can be linked and the back button
 * works: submitting goes to `route` with the form's non-empty values as its query.
 */
export function filterForm(route: string, names: readonly string[], ...fields: Child[]) {
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    fields,
    h('div', { class: 'filter-actions' }, submit(t('catalog.apply'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of names) {
      const value = formValue(form, name);
      if (value) query.set(name, value);
    }
    go(`${route}?${query.toString()}`);
  });
  return form;
}

/** One page of a list from the gateway, after `cursor` when given. */
export type PageLoader<T> = (page: PageParams) => Promise<Page<T>>;

/**
 * Several lists read as one (a department's grants as consumer and as provider): each page asks
 * every list that has more, and the cursor carries each list's own cursor (null when it is done).
 */
export function together<T>(...loaders: PageLoader<T>[]): PageLoader<T> {
  return async ({ cursor, limit }) => {
    const cursors = cursor ? (JSON.parse(cursor) as (string | null)[]) : loaders.map(() => '');
    const pages = await Promise.all(
      loaders.map((load, i) => {
        const own = cursors[i] ?? null;
        if (own === null) return Promise.resolve(null);
        return load({ ...(own ? { cursor: own } : {}), ...(limit ? { limit } : {}) });
      }),
    );
    const next = pages.map((p) => p?.nextCursor ?? null);
    return {
      items: pages.flatMap((p) => p?.items ?? []),
      nextCursor: next.some((c) => c !== null) ? JSON.stringify(next) : null,
    };
  };
}

/**
 * A list that grows page by page: the first page at once, then a "load more" button while the
 * gateway has more, which fetches the next page with its cursor and re-renders the list with every
 * row so far (so counts and captions stay whole). `?limit=` in the console's URL sets the page
 * size, to keep long lists short or to link to one; otherwise the gateway's default applies.
 */
export async function pagedList<T>(
  caption: Msg,
  load: PageLoader<T>,
  render: (items: readonly T[]) => Child,
): Promise<HTMLElement> {
  const asked = Number(parseHash().params.query.get('limit'));
  const limit = Number.isInteger(asked) && asked > 0 ? { limit: asked } : {};
  const first = await load(limit);
  const items = [...first.items];
  let cursor = first.nextCursor;
  const list = h('div', null, render(items));
  const status = statusLine();
  const more = button(t('common.loadMore'), () => {
    if (cursor === null) return;
    more.disabled = true;
    status.className = 'form-status';
    status.replaceChildren(t('common.working'));
    load({ cursor, ...limit })
      .then((next) => {
        items.push(...next.items);
        cursor = next.nextCursor;
        replace(list, render(items));
        footer.hidden = cursor === null;
        status.replaceChildren(t('common.loaded', { count: items.length }));
      })
      .catch((err: unknown) => {
        status.className = 'form-status error';
        status.replaceChildren(errorText(err));
      })
      .finally(() => {
        more.disabled = false;
      });
  });
  more.setAttribute('aria-label', t('common.loadMoreOf', { list: caption }));
  const footer = h('div', { class: 'load-more', hidden: cursor === null }, more, status);
  return h('div', null, list, footer);
}

export const errorBox = (err: unknown): HTMLElement => notice('error', errorText(err));

/** Saves a downloaded file through a temporary object URL. */
export function save(file: Downloaded | { blob: Blob; filename: string }): void {
  const href = URL.createObjectURL(file.blob);
  const link = h('a', { href, hidden: true });
  link.download = file.filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoke later: Chromium starts the download asynchronously from the URL.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
