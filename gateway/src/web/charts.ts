/**
 * Horizontal bar charts as inline SVG: no chart library, crisp at any zoom, and readable by
 * screen readers through the figure caption and per-bar titles (the same numbers are also in
 * the table beside the charts).
 */
import { h, svg } from './dom.js';
import type { Msg } from './i18n/index.js';

export interface Bar {
  label: Msg;
  value: number | null;
  /** Shown at the end of the bar. */
  display: string;
  /** Bars past a threshold (overdue, below target) are drawn in the warning colour. */
  warn?: boolean;
}

const ROW = 26;
const LABEL_WIDTH = 180;
const WIDTH = 560;

export function barChart(title: Msg, bars: readonly Bar[], max?: number): HTMLElement {
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const plot = WIDTH - LABEL_WIDTH - 70;
  const height = Math.max(ROW, bars.length * ROW) + 8;
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: '100%',
      role: 'img',
      'aria-label': title,
      class: 'chart',
    },
    ...bars.map((bar, i) => {
      const y = 4 + i * ROW;
      const w = bar.value === null ? 0 : Math.max(2, (bar.value / top) * plot);
      return svg(
        'g',
        {},
        svg('title', {}, document.createTextNode(`${bar.label}: ${bar.display}`)),
        svg(
          'text',
          { x: LABEL_WIDTH - 8, y: y + 16, 'text-anchor': 'end', class: 'chart-label' },
          document.createTextNode(bar.label),
        ),
        svg('rect', {
          x: LABEL_WIDTH,
          y: y + 3,
          width: w,
          height: ROW - 8,
          rx: 3,
          class: bar.warn ? 'bar warn' : 'bar',
        }),
        svg(
          'text',
          { x: LABEL_WIDTH + w + 6, y: y + 16, class: 'chart-value' },
          document.createTextNode(bar.display),
        ),
      );
    }),
  );
  return h('figure', { class: 'chart-figure' }, h('figcaption', null, title), chart);
}
