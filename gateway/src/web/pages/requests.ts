/**
 * Share requests (供需对接): the consumer's outbox with the request form, and the provider's inbox
 * with working-day deadlines, overdue badges and the decision (approve, reject with a reason,
 * escalate to the coordinator). Deadlines are computed on the ledger; the page only shows them.
 * It is also the department's task list, so the catalog updates it owes are listed here too.
 */
import { PURPOSE_LABELS, PURPOSES } from '@shulian/chaincode/constants';
import {
  api,
  type Overdue,
  type PageParams,
  type ShareRequest,
  type UpdateRequirement,
} from '../api.js';
import { h, text } from '../dom.js';
import { list, pick, t, type Msg } from '../i18n/index.js';
import { go, type RouteParams } from '../router.js';
import { currentUser, hasRole } from '../session.js';
import {
  badge,
  checkboxes,
  checkedValues,
  deadline,
  field,
  formatTime,
  formValue,
  input,
  onSubmit,
  pagedList,
  pageTitle,
  period,
  section,
  reasonForm,
  select,
  submit,
  table,
  textarea,
  together,
} from '../ui.js';
import { catalogLink, cstToday, departmentName, loadDepartments, purposeLabel } from './common.js';
import { requestStatusBadge } from './labels.js';

type Row = ShareRequest & Overdue;

export async function requestsPage(params: RouteParams): Promise<HTMLElement> {
  const consumer = hasRole('consumer');
  const provider = hasRole('publisher', 'admin');
  const newFor = params.query.get('new');
  // Escalated requests are decided by the coordinator's administrators, whatever their provider.
  const arbiter = currentUser()?.isCoordinator === true && hasRole('admin');
  const departments = await loadDepartments();
  const department = currentUser()?.department;
  const [outbox, inbox, escalated, updatesDue, updatesOpen] = await Promise.all([
    consumer
      ? pagedList(t('requests.outbox'), (page) => api.requests.list('outbox', page), outboxTable)
      : null,
    provider
      ? pagedList(
          t('requests.inbox'),
          (page) => api.requests.list('inbox', page),
          (rows) => inboxTable(t('requests.inbox'), rows, false),
        )
      : null,
    arbiter
      ? pagedList(
          t('requests.escalations'),
          together(
            ...[...departments.keys()].map(
              (department) => (page: PageParams) =>
                api.requests.list('inbox', { department, status: 'escalated', ...page }),
            ),
          ),
          (rows) => inboxTable(t('requests.escalations'), rows, true),
        )
      : null,
    provider && department
      ? pagedList(
          t('updates.due'),
          (page) => api.catalogUpdates.list({ owner: department, status: 'open', ...page }),
          (rows) => updatesTable(t('updates.due'), rows, false),
        )
      : null,
    arbiter
      ? pagedList(
          t('updates.open'),
          (page) => api.catalogUpdates.list({ status: 'open', ...page }),
          (rows) => updatesTable(t('updates.open'), rows, true),
        )
      : null,
  ]);
  return h(
    'div',
    null,
    pageTitle(t('requests.title')),
    newFor && consumer ? await createForm(newFor) : null,
    escalated && section(t('requests.escalations'), escalated),
    updatesDue && section(t('updates.due'), updatesDue),
    updatesOpen && section(t('updates.open'), updatesOpen),
    inbox && section(t('requests.inbox'), inbox),
    outbox && section(t('requests.outbox'), outbox),
    !consumer && !provider ? h('p', { class: 'empty' }, t('requests.noRole')) : null,
  );
}

const fieldsLabel = (fields: readonly string[]): Msg =>
  list(fields.map((f) => pick({ zh: f, en: f })));

async function createForm(catalogId: string): Promise<HTMLElement> {
  const entry = await api.catalog.get(catalogId);
  const form = h(
    'form',
    { class: 'stack' },
    h('p', null, t('requests.for', { name: entry.name, provider: departmentName(entry.owner) })),
    checkboxes(
      t('requests.fields'),
      'fields',
      entry.fields.map((f) => ({
        value: f.name,
        label: pick({ zh: f.nameZh ?? f.name, en: f.name }),
      })),
      entry.fields.map((f) => f.name),
    ),
    field(
      t('requests.purpose'),
      select(
        'purpose',
        PURPOSES.map((p) => ({ value: p, label: pick(PURPOSE_LABELS[p]) })),
      ),
    ),
    field(
      t('requests.scenario'),
      textarea('scenario', { required: true }),
      t('requests.scenarioHint'),
    ),
    h(
      'div',
      { class: 'grid2' },
      field(t('requests.from'), input('from', { type: 'date', required: true, value: cstToday() })),
      field(t('requests.to'), input('to', { type: 'date', required: true, value: cstToday(365) })),
    ),
    h(
      'div',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'emergency', id: 'req-emergency' }),
      h('label', { for: 'req-emergency' }, t('requests.emergency')),
    ),
    h('div', null, submit(t('requests.submit'))),
  );
  onSubmit(form, async () => {
    const { data } = await api.requests.create({
      catalogId,
      fields: checkedValues(form, 'fields'),
      purpose: formValue(form, 'purpose') as ShareRequest['purpose'],
      scenario: formValue(form, 'scenario'),
      period: { from: formValue(form, 'from'), to: formValue(form, 'to') },
      emergency: checkedValues(form, 'emergency').length > 0,
    });
    go('requests');
    return t('requests.sent', { id: data.id });
  });
  return section(t('requests.new'), form);
}

function outboxTable(rows: readonly Row[]): HTMLElement {
  return table<Row>(
    t('requests.outbox'),
    [
      {
        header: t('requests.catalog'),
        cell: (r) => catalogLink(r.catalogId),
      },
      { header: t('requests.provider'), cell: (r) => departmentName(r.provider) },
      { header: t('requests.purpose'), cell: (r) => purposeLabel(r.purpose) },
      { header: t('requests.fields'), cell: (r) => fieldsLabel(r.fields) },
      { header: t('common.status'), cell: statusCell },
      { header: t('requests.created'), cell: (r) => formatTime(r.createdAt) },
      { header: t('requests.deadline'), cell: (r) => deadline(r, r.overdue) },
      { header: t('requests.decision'), cell: (r) => text(r.decision?.reason ?? '') },
      // Only pending requests can be withdrawn; without any, the column would stay empty.
      ...(rows.some((r) => r.status === 'pending')
        ? [
            {
              header: t('common.actions'),
              cell: (r: Row) => (r.status === 'pending' ? withdrawForm(r) : null),
            },
          ]
        : []),
    ],
    rows,
    (r) => (r.overdue ? 'overdue' : ''),
  );
}

function statusCell(r: Row): HTMLElement {
  return h(
    'span',
    { class: 'badges' },
    requestStatusBadge(r.status),
    r.emergency ? badge(t('requests.emergencyBadge'), 'bad') : null,
    r.automatic ? badge(t('requests.automatic'), 'muted') : null,
    r.escalation
      ? h(
          'small',
          { class: 'escalation' },
          t('requests.escalatedBecause', { reason: r.escalation.reason }),
        )
      : null,
  );
}

/**
 * Requests awaiting an answer: the provider's own inbox (it decides pending ones), or the
 * coordinator's list of escalations (it decides those, and sees whose they are).
 */
function inboxTable(caption: Msg, rows: readonly Row[], arbitration: boolean): HTMLElement {
  const decides = (r: Row): boolean => r.status === (arbitration ? 'escalated' : 'pending');
  return table<Row>(
    caption,
    [
      {
        header: t('requests.catalog'),
        cell: (r) => catalogLink(r.catalogId),
      },
      ...(arbitration
        ? [{ header: t('requests.provider'), cell: (r: Row) => departmentName(r.provider) }]
        : []),
      {
        header: t('requests.requester'),
        cell: (r) => [departmentName(r.requester.department), text(` · ${r.requester.user}`)],
      },
      {
        header: t('requests.purpose'),
        cell: (r) => [purposeLabel(r.purpose), h('br'), h('small', null, text(r.scenario))],
      },
      { header: t('requests.fields'), cell: (r) => fieldsLabel(r.fields) },
      { header: t('requests.period'), cell: (r) => period(r.period.from, r.period.to) },
      { header: t('common.status'), cell: statusCell },
      {
        header: t('requests.deadline'),
        // Once escalated, what is due is the coordinator's answer.
        cell: (r) => deadline(r.escalation ?? r, r.overdue),
      },
      {
        header: t('common.actions'),
        cell: (r) => (decides(r) ? decisionForm(r) : text(r.decision?.reason ?? '')),
      },
    ],
    rows,
    (r) => (r.overdue ? 'overdue' : ''),
  );
}

/** Catalog updates still owed: the owner's own, or every department's for the coordinator. */
function updatesTable(
  caption: Msg,
  rows: readonly UpdateRequirement[],
  everyOwner: boolean,
): HTMLElement {
  return table<UpdateRequirement>(
    caption,
    [
      { header: t('requests.catalog'), cell: (r) => catalogLink(r.catalogId) },
      ...(everyOwner
        ? [{ header: t('catalog.owner'), cell: (r: UpdateRequirement) => departmentName(r.owner) }]
        : []),
      { header: t('updates.reason'), cell: (r) => text(r.reason) },
      { header: t('updates.required'), cell: (r) => formatTime(r.requiredAt) },
      { header: t('updates.deadline'), cell: (r) => deadline(r, r.overdue) },
    ],
    rows,
    (r) => (r.overdue ? 'overdue' : ''),
  );
}

/** Approve, reject or escalate one request; a refusal or escalation must give its reason. */
const decisionForm = (r: Row): HTMLElement =>
  reasonForm(t('requests.reason', { id: r.id }), [
    {
      label: t('requests.approve'),
      kind: 'primary',
      requireReason: false,
      run: (why) => api.requests.approve(r.id, why),
    },
    {
      label: t('requests.reject'),
      kind: 'danger',
      requireReason: true,
      run: (why) => api.requests.reject(r.id, why),
    },
    r.status === 'pending'
      ? {
          label: t('requests.escalate'),
          kind: 'secondary',
          requireReason: true,
          run: (why) => api.requests.escalate(r.id, why),
        }
      : null,
  ]);

const withdrawForm = (r: Row): HTMLElement =>
  reasonForm(t('requests.withdrawReason', { id: r.id }), [
    {
      label: t('requests.withdraw'),
      kind: 'secondary',
      requireReason: true,
      run: (why) => api.requests.withdraw(r.id, why),
    },
  ]);
