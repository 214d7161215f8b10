/**
 * Day fields: a text box that takes and shows YYYY-MM-DD in both languages, with a calendar of
 * the console's own beside it. `<input type="date">` shows the day in the browser's locale
 * (2026/3/1, 03/01/2026, 2026年3月1日) whatever language the console is in, and its picker
 * follows the browser too; the ledger's periods and deadlines are CST days written YYYY-MM-DD,
 * so the console writes them that way everywhere. Weeks start on Monday, as Chinese calendars do.
 */
import { h, replace, text } from './dom.js';
import { t, type Msg } from './i18n/index.js';
import { accompany } from './ui.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD (not 2026-02-30). */
export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** 2026-3-1, 2026/03/01 and 2026.3.1 as 2026-03-01; anything else as typed. */
function normalise(value: string): string {
  const m = /^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$/.exec(value);
  return m ? `${m[1]}-${m[2]?.padStart(2, '0')}-${m[3]?.padStart(2, '0')}` : value.trim();
}

/** A CST calendar day, `days` from today: ledger periods and deadlines are counted in CST. */
export function cstToday(days = 0): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** Column heads, Monday first. */
const WEEKDAYS = [
  'date.mon',
  'date.tue',
  'date.wed',
  'date.thu',
  'date.fri',
  'date.sat',
  'date.sun',
] as const;

interface DayLimits {
  min?: string;
  max?: string;
}

/**
 * A day field (YYYY-MM-DD) named `name`, checked as it is typed: a day that does not exist, or
 * lies outside `min`–`max`, makes the field invalid with a message in the console's language
 * (the browser's own pattern messages would be in its language).
 */
export function dayInput(
  name: string,
  options: DayLimits & { value?: string; required?: boolean } = {},
): HTMLInputElement {
  const limits: DayLimits = { ...options };
  const input = h('input', {
    name,
    type: 'text',
    class: 'day',
    value: options.value ?? '',
    required: options.required ?? false,
    autocomplete: 'off',
    placeholder: t('date.placeholder'),
  });
  input.inputMode = 'numeric';
  input.maxLength = 10;
  const check = (): void => {
    const value = input.value;
    const problem =
      value === ''
        ? ''
        : !isDay(value)
          ? t('date.invalid')
          : limits.min && value < limits.min
            ? t('date.tooEarly', { min: limits.min })
            : limits.max && value > limits.max
              ? t('date.tooLate', { max: limits.max })
              : '';
    input.setCustomValidity(problem);
    input.setAttribute('aria-invalid', String(problem !== ''));
  };
  input.addEventListener('input', check);
  input.addEventListener('change', () => {
    input.value = normalise(input.value);
    check();
  });
  check();
  // The calendar button goes beside the field, named after its label (`field()`).
  accompany(input, (label) => calendar(input, label, limits));
  return input;
}

/** The button that opens a month's calendar under the field, and the calendar. */
function calendar(input: HTMLInputElement, label: Msg, limits: DayLimits): HTMLElement {
  let month = (isDay(input.value) ? input.value : cstToday()).slice(0, 7);
  const panel = h('div', {
    class: 'calendar',
    role: 'group',
    'aria-label': t('date.calendarOf', { field: label }),
    hidden: true,
  });
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'btn secondary day-button',
      'aria-label': t('date.pickFor', { field: label }),
      'aria-expanded': false,
      title: t('date.pick'),
      on: { click: () => (panel.hidden ? open() : close(false)) },
    },
    t('date.pickShort'),
  );
  // A press anywhere else closes the calendar, as a menu would.
  const outside = (event: PointerEvent): void => {
    if (!(event.target instanceof Node && picker.contains(event.target))) close(false);
  };
  const close = (refocus: boolean): void => {
    panel.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside);
    if (refocus) input.focus();
  };
  const choose = (day: string): void => {
    input.value = day;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    close(true);
  };
  const shift = (months: number): void => {
    const [y, m] = month.split('-').map(Number) as [number, number];
    const next = new Date(Date.UTC(y, m - 1 + months, 1));
    month = next.toISOString().slice(0, 7);
    draw();
    // The month is drawn anew: keep focus on the arrow just used, for the next press.
    const arrow = months < 0 ? t('date.previousMonth') : t('date.nextMonth');
    panel.querySelector<HTMLButtonElement>(`button[aria-label="${arrow}"]`)?.focus();
  };
  const draw = (): void => {
    const [y, m] = month.split('-').map(Number) as [number, number];
    const first = new Date(Date.UTC(y, m - 1, 1));
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    // Monday first: how many blank cells before the 1st.
    const lead = (first.getUTCDay() + 6) % 7;
    const today = cstToday();
    const cells: (string | null)[] = [
      ...Array.from({ length: lead }, () => null),
      ...Array.from({ length: days }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`),
    ];
    const weeks: (string | null)[][] = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
    replace(
      panel,
      h(
        'div',
        { class: 'calendar-head' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn link',
            'aria-label': t('date.previousMonth'),
            on: { click: () => shift(-1) },
          },
          t('date.previous'),
        ),
        h('span', { class: 'calendar-month', 'aria-live': 'polite' }, text(month)),
        h(
          'button',
          {
            type: 'button',
            class: 'btn link',
            'aria-label': t('date.nextMonth'),
            on: { click: () => shift(1) },
          },
          t('date.next'),
        ),
      ),
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            WEEKDAYS.map((d) => h('th', { scope: 'col' }, t(d))),
          ),
        ),
        h(
          'tbody',
          null,
          weeks.map((week) =>
            h(
              'tr',
              null,
              week.map((day) =>
                h(
                  'td',
                  null,
                  day !== null &&
                    h(
                      'button',
                      {
                        type: 'button',
                        class: day === today ? 'day today' : 'day',
                        'aria-label': t('date.choose', { day }),
                        'aria-pressed': day === input.value,
                        disabled:
                          (limits.min !== undefined && day < limits.min) ||
                          (limits.max !== undefined && day > limits.max),
                        on: { click: () => choose(day) },
                      },
                      text(Number(day.slice(8))),
                    ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  const open = (): void => {
    if (isDay(input.value)) month = input.value.slice(0, 7);
    draw();
    panel.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', outside);
    panel.querySelector<HTMLButtonElement>('button.day[aria-pressed="true"], button.day')?.focus();
  };
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    }
  });
  const picker = h('span', { class: 'day-picker' }, toggle, panel);
  return picker;
}
