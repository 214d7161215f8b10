/**
 * Share requests (供需对接): the consumer's outbox with the request form, and the provider's inbox
 * with working-day deadlines, overdue badges and the decision (approve, reject with a reason,
 * escalate to the coordinator). Deadlines are computed on the ledger; the page only shows them.
 * It is also the department's task list, so the catalog updates it owes are listed here too.
 */
import { PURPOSE_LABELS, PURPOSES, type RequestStatus } from '@shulian/chaincode/constants';
import {
  api,
  type Overdue,
  type PageParams,
  type ShareRequest,
  type UpdateRequirement,
} from '../api.js';
import { dayInput, isDay } from '../dates.js';
import { h, text, type Child } from '../dom.js';
import { pick, t, type Msg } from '../i18n/index.js';
import { go, type RouteParams } from '../router.js';
import { canAudit, currentUser, hasRole } from '../session.js';
import {
  badge,
  checkboxes,
  checkedValues,
  deadline,
  field,
  filterForm,
  formatTime,
  formValue,
  notice,
  onSubmit,
  pagedList,
  type PageLoader,
  pageTitle,
  period,
  section,
  reasonForm,
  select,
  withAny,
  submit,
  table,
  textarea,
  together,
  UserError,
} from '../ui.js';
import {
  catalogLink,
  cstToday,
  departmentName,
  departmentOptions,
  fieldName,
  fieldsLabel,
  loadDepartments,
  person,
  purposeLabel,
  withEntries,
} from './common.js';
import { requestStatusBadge } from './labels.js';

type Row = ShareRequest & Overdue;

/** Statuses of requests the department has answered, or that no longer wait for its answer. */
const ANSWERED: readonly RequestStatus[] = [
  'approved',
  'rejected',
  'escalated',
  'withdrawn',
  'expired',
];

/** The request this tab just submitted, confirmed on the page it lands on. */
let submitted: ShareRequest | null = null;

export async function requestsPage(params: RouteParams): Promise<HTMLElement> {
  const consumer = hasRole('consumer');
  const provider = hasRole('publisher', 'admin');
  const newFor = params.query.get('new');
  // Escalated requests are decided by the coordinator's administrators, whatever their provider.
  const arbiter = currentUser()?.isCoordinator === true && hasRole('admin');
  const departments = await loadDepartments();
  const department = currentUser()?.department;
  // Supervisors and the coordinator oversee every department's requests (监督).
  const overseer = canAudit();
  // In the order shown: what the coordinator decides, what the department owes, what it asked.
  const lists = await Promise.all([
    when(arbiter, () =>
      listSection(
        t('requests.escalations'),
        withEntries(
          together(
            ...[...departments.keys()].map(
              (department) => (page: PageParams) =>
                api.requests.list('inbox', { department, status: 'escalated', ...page }),
            ),
          ),
        ),
        (rows) => inboxTable(t('requests.escalations'), rows, true),
      ),
    ),
    when(provider && department !== undefined, () =>
      listSection(
        t('updates.due'),
        (page) => api.catalogUpdates.list({ owner: department, status: 'open', ...page }),
        (rows) => updatesTable(t('updates.due'), rows, false),
      ),
    ),
    when(arbiter, () =>
      listSection(
        t('updates.open'),
        (page) => api.catalogUpdates.list({ status: 'open', ...page }),
        (rows) => updatesTable(t('updates.open'), rows, true),
      ),
    ),
    // Only what waits for the department's answer; the rest is in the answered list below.
    when(provider, () =>
      listSection(
        t('requests.inbox'),
        withEntries((page) => api.requests.list('inbox', { status: 'pending', ...page })),
        (rows) => inboxTable(t('requests.inbox'), rows, false),
      ),
    ),
    when(provider, () =>
      listSection(
        t('requests.answered'),
        withEntries(
          together(
            ...ANSWERED.map(
              (status) => (page: PageParams) => api.requests.list('inbox', { status, ...page }),
            ),
          ),
        ),
        (rows) => inboxTable(t('requests.answered'), rows, false),
      ),
    ),
    when(consumer, () =>
      listSection(
        t('requests.outbox'),
        withEntries((page) => api.requests.list('outbox', page)),
        outboxTable,
      ),
    ),
    when(overseer, () => overseenSection(params)),
  ]);
  return h(
    'div',
    null,
    pageTitle(t('requests.title')),
    sentNotice(params.query.get('sent')),
    newFor && consumer ? await createForm(newFor) : null,
    lists,
    !consumer && !provider && !overseer ? h('p', { class: 'empty' }, t('requests.noRole')) : null,
  );
}

const when = <T>(shown: boolean, make: () => Promise<T>): Promise<T | null> =>
  shown ? make() : Promise.resolve(null);

/**
 * Every department's requests, for supervisors and the coordinator: those to one department
 * (`?department=`, the statistics page links its overdue count here) or to all, only the overdue
 * ones with `?overdue=1`. Read-only: the provider answers, the coordinator arbitrates escalations.
 */
async function overseenSection(params: RouteParams): Promise<HTMLElement> {
  const department = params.query.get('department') ?? '';
  const overdueOnly = params.query.get('overdue') === '1';
  const form = filterForm(
    'requests',
    ['department', 'overdue'],
    field(t('requests.provider'), select('department', withAny(departmentOptions()), department)),
    checkboxes(
      t('requests.overdueOnlyLegend'),
      'overdue',
      [{ value: '1', label: t('requests.overdueOnly') }],
      overdueOnly ? ['1'] : [],
    ),
  );
  const title = department
    ? t('requests.overseenOf', { department: departmentName(department) })
    : t('requests.overseen');
  const load: PageLoader<Row> = withEntries((page) =>
    api.requests.list('inbox', { ...(department ? { department } : {}), ...page }),
  );
  return section(
    title,
    form,
    await pagedList(title, load, (rows) =>
      overseenTable(title, overdueOnly ? rows.filter((r) => r.overdue) : rows),
    ),
  );
}

function overseenTable(caption: Msg, rows: readonly Row[]): HTMLElement {
  return table<Row>(
    caption,
    [
      { header: t('requests.catalog'), cell: (r) => catalogLink(r.catalogId) },
      { header: t('requests.requester'), cell: (r) => departmentName(r.requester.department) },
      { header: t('requests.provider'), cell: (r) => departmentName(r.provider) },
      { header: t('requests.purpose'), cell: purposeCell },
      { header: t('common.status'), cell: statusCell },
      { header: t('requests.created'), cell: (r) => formatTime(r.createdAt) },
      { header: t('requests.deadline'), cell: (r) => deadline(r, r.overdue) },
    ],
    rows,
    (r) => (r.overdue ? 'overdue' : ''),
  );
}

/** A paged list in its own titled panel. */
const listSection = async <T>(
  title: Msg,
  load: PageLoader<T>,
  render: (rows: readonly T[]) => HTMLElement,
): Promise<HTMLElement> => section(title, await pagedList(title, load, render));

/** Confirms the request just submitted: to whom it went and by when they must answer. */
function sentNotice(sent: string | null): HTMLElement | null {
  if (!submitted || submitted.id !== sent) return null;
  const provider = departmentName(submitted.provider);
  return notice(
    'ok',
    // An entry shared without conditions is granted at once; otherwise the provider answers.
    submitted.automatic
      ? t('requests.sentGranted', { provider })
      : t('requests.sentNotice', {
          provider,
          deadline: formatTime(submitted.deadline).textContent ?? '',
        }),
  );
}

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
      // The minimum necessary: nothing is asked for until the requester ticks it.
      [],
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
      field(t('requests.from'), dayInput('from', { required: true, value: cstToday() })),
      field(t('requests.to'), dayInput('to', { required: true, value: cstToday(365) })),
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
    const fields = checkedValues(form, 'fields');
    if (fields.length === 0) throw new UserError(t('requests.fieldsRequired'));
    const { data } = await api.requests.create({
      catalogId,
      fields,
      purpose: formValue(form, 'purpose') as ShareRequest['purpose'],
      scenario: formValue(form, 'scenario'),
      period: { from: formValue(form, 'from'), to: formValue(form, 'to') },
      emergency: checkedValues(form, 'emergency').length > 0,
    });
    submitted = data.request;
    go(`requests?sent=${encodeURIComponent(data.request.id)}`);
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
      { header: t('requests.purpose'), cell: purposeCell },
      { header: t('requests.fields'), cell: (r) => fieldsLabel(r.catalogId, r.fields) },
      { header: t('common.status'), cell: statusCell },
      { header: t('requests.created'), cell: (r) => formatTime(r.createdAt) },
      { header: t('requests.deadline'), cell: (r) => deadline(r, r.overdue) },
      { header: t('requests.decision'), cell: decisionReason },
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

/** The purpose with the requester's own words for the scenario under it. */
const purposeCell = (r: Row): Child => [
  purposeLabel(r.purpose),
  h('br'),
  h('small', { class: 'scenario' }, text(r.scenario)),
];

/**
 * The answer's reason as the provider wrote it. The chaincode writes two itself, as fixed text
 * (an automatic grant's, bilingual; an unanswered request's expiry, English): those are said in
 * the reader's language instead.
 */
const decisionReason = (r: Row): Child =>
  r.automatic
    ? t('requests.automaticReason')
    : r.status === 'expired'
      ? t('requests.expiredReason')
      : text(r.decision?.reason ?? '');

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
        cell: (r) => person(r.requester),
      },
      { header: t('requests.purpose'), cell: purposeCell },
      { header: t('requests.fields'), cell: (r) => fieldsLabel(r.catalogId, r.fields) },
      { header: t('requests.period'), cell: (r) => period(r.period.from, r.period.to) },
      { header: t('common.status'), cell: statusCell },
      {
        header: t('requests.deadline'),
        // Once escalated, what is due is the coordinator's answer.
        cell: (r) => deadline(r.escalation ?? r, r.overdue),
      },
      {
        header: t('common.actions'),
        cell: (r) => (decides(r) ? decisionForm(r) : decisionReason(r)),
      },
    ],
    rows,
    (r) => (r.overdue ? 'overdue' : ''),
  );
}

/** Catalog updates still owed: the owner's own, or every department's for the coordinator. */
export function updatesTable(
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

/**
 * Approve, reject or escalate one request; a refusal or escalation must give its reason. The
 * provider may grant less than was asked (fewer fields, an earlier last day), and is asked to
 * confirm what the grant will be before it is recorded.
 */
function decisionForm(r: Row): HTMLElement {
  const requester = departmentName(r.requester.department);
  const fields = checkboxes(
    t('requests.grantFields'),
    'grantFields',
    r.fields.map((f) => ({ value: f, label: fieldName(r.catalogId, f) })),
    r.fields,
  );
  const to = /^\d{4}-\d{2}-\d{2}$/.test(r.period.to) ? r.period.to : '';
  const validTo = dayInput('validTo', {
    value: to,
    ...(to ? { max: to } : {}),
    ...(isDay(r.period.from) ? { min: r.period.from } : {}),
  });
  const narrowing = h(
    'details',
    { class: 'narrow' },
    h('summary', null, t('requests.narrow')),
    fields,
    field(t('requests.grantTo'), validTo),
  );
  /** What the grant will cover: the ticked fields, the last day chosen. */
  const scope = (): { fields: string[]; validTo: string } => {
    const kept = [...fields.querySelectorAll<HTMLInputElement>('input:checked')].map(
      (b) => b.value,
    );
    if (kept.length === 0) throw new UserError(t('requests.fieldsRequired'));
    const last = validTo.value || to;
    if (last && (last > to || last < r.period.from))
      throw new UserError(t('requests.grantToOutside', { from: r.period.from, to }));
    return { fields: kept, validTo: last };
  };
  return reasonForm(
    t('requests.reason'),
    [
      {
        label: t('requests.approve'),
        kind: 'primary',
        requireReason: false,
        question: () => {
          const granted = scope();
          return t('requests.confirmApprove', {
            requester,
            fields: fieldsLabel(r.catalogId, granted.fields),
            to: granted.validTo || to,
          });
        },
        run: (why) => {
          const granted = scope();
          return api.requests.approve(r.id, why, {
            // Only what the provider narrowed; otherwise the ledger grants what was asked.
            ...(granted.fields.length < r.fields.length ? { fields: granted.fields } : {}),
            ...(granted.validTo && granted.validTo !== to ? { validTo: granted.validTo } : {}),
          });
        },
      },
      {
        label: t('requests.reject'),
        kind: 'danger',
        requireReason: true,
        question: (why) => t('requests.confirmReject', { requester, reason: why }),
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
    ],
    narrowing,
  );
}

const withdrawForm = (r: Row): HTMLElement =>
  reasonForm(t('requests.withdrawReason'), [
    {
      label: t('requests.withdraw'),
      kind: 'secondary',
      requireReason: true,
      run: (why) => api.requests.withdraw(r.id, why),
    },
  ]);
