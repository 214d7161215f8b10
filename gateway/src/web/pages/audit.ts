/**
 * The audit trail for supervisors (全流程审计). Two views: every act on the ledger (catalog edits,
 * anchors, requests and every answer to them, revocations, uses allowed or refused, objections,
 * authorisations, governance acts) filtered by department, act, outcome, user, entry and period,
 * with the acts counted per month or quarter and exportable as CSV; and the uses alone, by
 * dataset, department, user and period, exportable as CSV or PROV-JSON. Fields are shown by the
 * names their entries catalogue.
 */
import { EVENTS, USAGE_OUTCOMES } from '@shulian/chaincode/constants';
import {
  api,
  type ActFigures,
  type ActFilters,
  type AuditAct,
  type UsageFilters,
  type UsageRecord,
} from '../api.js';
import { dayInput } from '../dates.js';
import { h, text, type Child } from '../dom.js';
import { t } from '../i18n/index.js';
import type { RouteParams } from '../router.js';
import {
  badge,
  button,
  codeText,
  enumOptions,
  errorBox,
  field,
  filterForm,
  filtersOf,
  formatNumber,
  formatTime,
  input,
  mono,
  pagedList,
  pageTitle,
  save,
  section,
  select,
  statusLine,
  table,
  withAny,
} from '../ui.js';
import {
  catalogLink,
  departmentName,
  departmentOptions,
  fieldsLabel,
  loadDepartments,
  loadedEntryName,
  person,
  purposeLabel,
  txLink,
  withEntries,
} from './common.js';
import { outcomeBadge } from './labels.js';

const USE_FILTERS = ['view', 'catalogId', 'department', 'user', 'from', 'to'] as const;
const ACT_FILTERS = [
  'department',
  'act',
  'outcome',
  'user',
  'catalogId',
  'from',
  'to',
  'period',
] as const;

export async function auditPage(params: RouteParams): Promise<HTMLElement> {
  await loadDepartments();
  const uses = params.query.get('view') === 'uses';
  const status = statusLine();
  // Exports come from the gateway, which pages through every match, not just those shown.
  const exporting =
    <F>(get: (filters: F) => ReturnType<typeof api.audit.csv>, filters: F) =>
    (): void => {
      get(filters)
        .then(save)
        .catch((err: unknown) => status.replaceChildren(errorBox(err)));
    };
  const body = uses ? await usesView(params, exporting) : await actsView(params, exporting);
  return h(
    'div',
    null,
    pageTitle(t('audit.title'), body.actions),
    views(uses),
    status,
    body.content,
  );
}

type Exporting = <F>(
  get: (filters: F) => ReturnType<typeof api.audit.csv>,
  filters: F,
) => () => void;

/** The two views as links, the current one marked: each keeps its own filters in the URL. */
const views = (uses: boolean): HTMLElement =>
  h(
    'nav',
    { class: 'views', 'aria-label': t('audit.views') },
    h('a', { href: '#/audit', 'aria-current': uses ? undefined : 'page' }, t('audit.viewActs')),
    h(
      'a',
      { href: '#/audit?view=uses', 'aria-current': uses ? 'page' : undefined },
      t('audit.viewUses'),
    ),
  );

// ---- every act --------------------------------------------------------------------------------

async function actsView(
  params: RouteParams,
  exporting: Exporting,
): Promise<{ actions: Child; content: Child }> {
  const values = filtersOf(params, ACT_FILTERS);
  const filters = Object.fromEntries(
    Object.entries(values).filter(([k, v]) => v !== '' && k !== 'period'),
  ) as ActFilters;
  const quarterly = values.period === 'quarter';
  const form = filterForm(
    'audit',
    ACT_FILTERS,
    field(
      t('common.department'),
      select('department', withAny(departmentOptions()), values.department),
    ),
    field(
      t('audit.act'),
      select('act', withAny(enumOptions(Object.values(EVENTS), (a) => t(`act.${a}`))), values.act),
    ),
    field(
      t('audit.outcome'),
      select(
        'outcome',
        withAny(enumOptions(USAGE_OUTCOMES, (o) => t(`outcome.${o}`))),
        values.outcome,
      ),
    ),
    field(t('common.user'), input('user', { value: values.user, autocomplete: 'off' })),
    field(t('audit.dataset'), input('catalogId', { value: values.catalogId, autocomplete: 'off' })),
    field(t('audit.from'), dayInput('from', { value: values.from })),
    field(t('audit.to'), dayInput('to', { value: values.to })),
    field(
      t('audit.period'),
      select(
        'period',
        [
          { value: 'month', label: t('audit.periodMonth') },
          { value: 'quarter', label: t('audit.periodQuarter') },
        ],
        values.period,
      ),
    ),
  );
  const month = (day: string | undefined) => (day ? day.slice(0, 7) : undefined);
  const figures = await api.audit.figures({
    period: quarterly ? 'quarter' : 'month',
    ...(filters.department ? { department: filters.department } : {}),
    ...(month(filters.from) ? { from: month(filters.from) } : {}),
    ...(month(filters.to) ? { to: month(filters.to) } : {}),
  });
  return {
    actions: button(t('audit.exportCsv'), exporting(api.audit.actsCsv, filters)),
    content: [
      form,
      await pagedList(
        t('audit.acts'),
        withEntries((page) => api.audit.acts(filters, page)),
        (items) => actTimeline(items),
      ),
      figuresSection(figures),
    ],
  };
}

function actTimeline(items: readonly AuditAct[]): Child {
  return [
    h('p', { class: 'count', role: 'status' }, t('audit.actCount', { count: items.length })),
    table<AuditAct>(
      t('audit.acts'),
      [
        { header: t('common.time'), cell: (a) => formatTime(a.at) },
        {
          header: t('audit.act'),
          cell: (a) => [
            h('span', { class: 'nowrap' }, t(`act.${a.act}`)),
            a.outcome ? [text(' '), outcomeBadge(a.outcome)] : null,
          ],
        },
        {
          header: t('audit.actor'),
          cell: (a) => person(a.actor),
        },
        { header: t('audit.target'), cell: target },
        {
          header: t('requests.fields'),
          cell: (a) =>
            a.fields.length && a.catalogId ? fieldsLabel(a.catalogId, a.fields) : text('—'),
        },
        {
          header: t('audit.reason'),
          cell: (a) => [
            a.code ? h('small', { class: 'denial' }, codeText(a.code)) : null,
            a.automatic ? badge(t('requests.automatic'), 'muted') : null,
            // A refused use's message, an automatic grant's reason and an expiry's are the
            // chaincode's fixed English: the code, the badge or our own words say them in the
            // reader's language.
            a.act === 'ShareRequestExpired'
              ? t('requests.expiredReason')
              : a.reason && !a.code && !a.automatic
                ? text(a.reason)
                : null,
          ],
        },
        { header: t('audit.tx'), cell: (a) => txLink(a.id) },
      ],
      items,
      (a) => (a.outcome === 'DENIED' || a.act === 'ShareRequestRejected' ? 'refused' : ''),
    ),
  ];
}

/** What the act touched, linked where the console has a page for it. */
function target(a: AuditAct): Child {
  if (!a.target) return text('—');
  const kind = h('small', { class: 'target-kind' }, t(`actTarget.${a.target.type}`));
  const entry = a.catalogId && catalogLink(a.catalogId, loadedEntryName(a.catalogId));
  if (a.target.type === 'catalog' && entry) return [kind, h('br'), entry];
  if (a.target.type === 'department') return [kind, h('br'), departmentName(a.target.id)];
  return [
    kind,
    h('br'),
    entry ? [entry, h('br')] : null,
    h('small', { class: 'mono' }, text(a.target.id)),
  ];
}

function figuresSection(figures: ActFigures): HTMLElement {
  return section(
    t('audit.figures'),
    h('p', { class: 'hint' }, t('audit.figuresHint')),
    table<ActFigures['items'][number]>(
      t('audit.figuresTable'),
      [
        {
          header: t('audit.periodLabel'),
          cell: (r) => h('span', { class: 'nowrap' }, text(r.period)),
        },
        { header: t('common.department'), cell: (r) => departmentName(r.department) },
        {
          header: t('audit.act'),
          cell: (r) => [
            t(`act.${r.act}`),
            r.outcome
              ? [text(' '), badge(t(`outcome.${r.outcome}`), r.outcome === 'DENIED' ? 'bad' : 'ok')]
              : null,
          ],
        },
        { header: t('audit.total'), cell: (r) => formatNumber(r.count), numeric: true },
      ],
      figures.items,
    ),
  );
}

// ---- uses -------------------------------------------------------------------------------------

async function usesView(
  params: RouteParams,
  exporting: Exporting,
): Promise<{ actions: Child; content: Child }> {
  const filters = Object.fromEntries(
    Object.entries(filtersOf(params, USE_FILTERS)).filter(([k, v]) => v !== '' && k !== 'view'),
  ) as UsageFilters;
  const form = filterForm(
    'audit',
    USE_FILTERS,
    h('input', { type: 'hidden', name: 'view', value: 'uses' }),
    field(
      t('audit.dataset'),
      input('catalogId', { value: filters.catalogId ?? '', autocomplete: 'off' }),
    ),
    field(
      t('common.department'),
      select('department', withAny(departmentOptions()), filters.department),
    ),
    field(t('common.user'), input('user', { value: filters.user ?? '', autocomplete: 'off' })),
    field(t('audit.from'), dayInput('from', { value: filters.from ?? '' })),
    field(t('audit.to'), dayInput('to', { value: filters.to ?? '' })),
  );
  return {
    actions: [
      button(t('audit.exportCsv'), exporting(api.audit.csv, filters)),
      button(t('audit.exportProv'), exporting(api.audit.prov, filters)),
    ],
    content: [
      form,
      await pagedList(
        t('audit.timeline'),
        withEntries((page) => api.audit.usage(filters, page)),
        (items) => usageTimeline(items, exporting),
      ),
    ],
  };
}

function usageTimeline(items: readonly UsageRecord[], exporting: Exporting): Child {
  const refused = items.filter((u) => u.outcome === 'DENIED').length;
  return [
    h('p', { class: 'count', role: 'status' }, t('audit.count', { count: items.length, refused })),
    table<UsageRecord>(
      t('audit.timeline'),
      [
        { header: t('common.time'), cell: (u) => formatTime(u.at) },
        {
          header: t('audit.user'),
          cell: (u) => person(u.consumer),
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
          cell: (u) => fieldsLabel(u.catalogId, u.fields),
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
          // What was delivered, and its receipt: the consumer's proof, checked on the verify page.
          cell: (u) =>
            u.deliveredDigest
              ? [
                  mono(u.deliveredDigest.value),
                  text(' '),
                  button(t('audit.receipt'), exporting(api.audit.receipt, u.id), 'secondary', {
                    'aria-label': t('audit.receiptOf', { id: u.id }),
                  }),
                ]
              : text('—'),
        },
      ],
      items,
      (u) => (u.outcome === 'DENIED' ? 'refused' : ''),
    ),
  ];
}
