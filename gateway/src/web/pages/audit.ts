/**
 * The audit trail for supervisors (全流程审计): every use and every refused attempt, filtered by
 * dataset, department, user and period, refusals highlighted, exportable as CSV or PROV-JSON.
 */
import { api, type UsageFilters, type UsageRecord } from '../api.js';
import { h, text, type Child } from '../dom.js';
import { list, pick, t } from '../i18n/index.js';
import type { RouteParams } from '../router.js';
import {
  button,
  codeText,
  errorBox,
  field,
  filterForm,
  filtersOf,
  formatTime,
  input,
  mono,
  pagedList,
  pageTitle,
  save,
  select,
  statusLine,
  table,
  withAny,
} from '../ui.js';
import {
  catalogLink,
  departmentName,
  departmentOptions,
  loadDepartments,
  purposeLabel,
} from './common.js';
import { outcomeBadge } from './labels.js';

const FILTERS = ['catalogId', 'department', 'user', 'from', 'to'] as const;

export async function auditPage(params: RouteParams): Promise<HTMLElement> {
  const filters: UsageFilters = filtersOf(params, FILTERS);
  await loadDepartments();

  const form = filterForm(
    'audit',
    FILTERS,
    field(
      t('audit.dataset'),
      input('catalogId', { value: filters.catalogId ?? '', autocomplete: 'off' }),
    ),
    field(
      t('common.department'),
      select('department', withAny(departmentOptions()), filters.department),
    ),
    field(t('common.user'), input('user', { value: filters.user ?? '', autocomplete: 'off' })),
    field(t('audit.from'), input('from', { type: 'date', value: filters.from ?? '' })),
    field(t('audit.to'), input('to', { type: 'date', value: filters.to ?? '' })),
  );

  const status = statusLine();
  // Exports come from the gateway, which pages through every matching use, not just those shown.
  const exportFile = (get: typeof api.audit.csv) => (): void => {
    get(filters)
      .then(save)
      .catch((err: unknown) => status.replaceChildren(errorBox(err)));
  };

  return h(
    'div',
    null,
    pageTitle(
      t('audit.title'),
      button(t('audit.exportCsv'), exportFile(api.audit.csv)),
      button(t('audit.exportProv'), exportFile(api.audit.prov)),
    ),
    status,
    form,
    await pagedList(
      t('audit.timeline'),
      (page) => api.audit.usage(filters, page),
      (items) => timeline(items),
    ),
  );
}

function timeline(items: readonly UsageRecord[]): Child {
  const refused = items.filter((u) => u.outcome === 'DENIED').length;
  return [
    h('p', { class: 'count', role: 'status' }, t('audit.count', { count: items.length, refused })),
    table<UsageRecord>(
      t('audit.timeline'),
      [
        { header: t('common.time'), cell: (u) => formatTime(u.at) },
        {
          header: t('audit.user'),
          cell: (u) => [departmentName(u.consumer.department), text(` · ${u.consumer.user}`)],
        },
        {
          header: t('audit.dataset'),
          cell: (u) => catalogLink(u.catalogId),
        },
        { header: t('requests.provider'), cell: (u) => departmentName(u.provider) },
        { header: t('audit.action'), cell: (u) => t(`action.${u.action}`) },
        {
          header: t('requests.purpose'),
          cell: (u) => (u.purpose ? purposeLabel(u.purpose) : text('—')),
        },
        {
          header: t('requests.fields'),
          cell: (u) => list(u.fields.map((f) => pick({ zh: f, en: f }))),
        },
        {
          header: t('audit.outcome'),
          cell: (u) =>
            h(
              'span',
              null,
              outcomeBadge(u.outcome),
              u.denialCode ? h('small', { class: 'denial' }, codeText(u.denialCode)) : null,
            ),
        },
        {
          header: t('audit.delivered'),
          cell: (u) => (u.deliveredDigest ? mono(u.deliveredDigest.value) : text('—')),
        },
      ],
      items,
      (u) => (u.outcome === 'DENIED' ? 'refused' : ''),
    ),
  ];
}
