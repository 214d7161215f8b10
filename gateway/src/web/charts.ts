/**
 * Horizontal bar charts in HTML and CSS: no chart library, and labels laid out by the browser
 * like any text, so a long department name (English ones run to 60 characters) wraps within its
 * column instead of being cut off at a fixed SVG width. Each chart is a list of bars named by its
 * caption, read by screen readers as "label, value" (the same numbers are in the table below).
 */
import { h, text } from './dom.js';
import type { Msg } from './i18n/index.js';

export interface Bar {
  label: Msg;
  value: number | null;
  /** Shown at the end of the bar. */
  display: string;
  /** Bars past a threshold (overdue, below target) are drawn in the warning colour. */
  warn?: boolean;
}

export function barChart(title: Msg, bars: readonly Bar[], max?: number): HTMLElement {
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const caption = h('figcaption', null, title);
  return h(
    'figure',
    { class: 'chart-figure' },
    caption,
    h(
      'ul',
      { class: 'chart', 'aria-label': title },
      bars.map((bar) => {
        const fill = h('span', { class: bar.warn ? 'bar warn' : 'bar' });
        // The width is data, set through the CSSOM: the CSP refuses style attributes.
        const share = bar.value === null ? 0 : Math.min(1, bar.value / top);
        fill.style.width = `max(2px, ${(share * 100).toFixed(2)}%)`;
        if (bar.value === null) fill.hidden = true;
        return h(
          'li',
          { class: 'chart-row' },
          h('span', { class: 'chart-label' }, bar.label),
          h('span', { class: 'chart-track' }, fill),
          h('span', { class: 'chart-value' }, text(bar.display)),
        );
      }),
    ),
  );
}
