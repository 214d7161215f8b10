/**
 * Grants (授权) with their validity and use counts, and data objections (数据异议) with their
 * correction deadlines: the consumer raises, the provider resolves (corrected with a new version,
 * or rejected with a reason).
 */
import { api, type Grant, type Overdue, type QualityObjection } from '../api.js';
import { h, text } from '../dom.js';
import { t, type Msg } from '../i18n/index.js';
import { refresh, type RouteParams } from '../router.js';
import { currentUser, hasRole } from '../session.js';
import {
  badge,
  boundInstant,
  deadline,
  field,
  formatTime,
  formValue,
  input,
  onSubmit,
  pagedList,
  pageTitle,
  type PageLoader,
  period,
  section,
  reasonForm,
  submit,
  table,
  textarea,
  together,
  UserError,
} from '../ui.js';
import {
  catalogLink,
  departmentName,
  fieldsLabel,
  loadDepartments,
  person,
  purposeLabel,
  withEntries,
} from './common.js';
import { objectionStatusBadge } from './labels.js';

type ObjectionRow = QualityObjection & Overdue;

export async function grantsPage(params: RouteParams): Promise<HTMLElement> {
  // A department is on both sides: it holds grants and objections as consumer and as provider.
  await loadDepartments();
  const [grants, objections] = await Promise.all([
    bothSides(
      t('grants.grants'),
      [
        withEntries((page) => api.grants.list('consumer', page)),
        withEntries((page) => api.grants.list('provider', page)),
      ],
      grantsTable,
    ),
    bothSides(
      t('objections.title'),
      [
        (page) => api.objections.list('raiser', page),
        (page) => api.objections.list('provider', page),
      ],
      objectionsTable,
    ),
  ]);
  return h(
    'div',
    null,
    pageTitle(t('grants.title')),
    section(t('grants.grants'), grants),
    section(
      t('objections.title'),
      objections,
      hasRole('consumer')
        ? raiseForm(params.query.get('catalogId') ?? '', params.query.get('version') ?? '')
        : null,
    ),
  );
}

const uniqueById = <T extends { id: string }>(items: readonly T[]): T[] => [
  ...new Map(items.map((i) => [i.id, i])).values(),
];

/** Both sides of a list as one, paged together; an item on both sides is shown once. */
const bothSides = <T extends { id: string }>(
  caption: Msg,
  sides: readonly [PageLoader<T>, PageLoader<T>],
  render: (rows: readonly T[]) => HTMLElement,
): Promise<HTMLElement> =>
  pagedList(caption, together(...sides), (rows) => render(uniqueById(rows)));

function grantState(g: Grant): HTMLElement {
  if (g.revocation) return badge(t('grants.revoked'), 'bad');
  const now = Date.now();
  if (boundInstant(g.validTo, true) < now) return badge(t('grants.expired'), 'muted');
  if (boundInstant(g.validFrom, false) > now) return badge(t('grants.notYet'), 'info');
  return badge(t('grants.active'), 'ok');
}

function grantsTable(grants: readonly Grant[]): HTMLElement {
  const me = currentUser();
  return table<Grant>(
    t('grants.grants'),
    [
      { header: t('requests.catalog'), cell: (g) => catalogLink(g.catalogId) },
      { header: t('requests.provider'), cell: (g) => departmentName(g.provider) },
      { header: t('grants.consumer'), cell: (g) => departmentName(g.consumer) },
      {
        header: t('requests.fields'),
        cell: (g) => fieldsLabel(g.catalogId, g.fields),
      },
      { header: t('requests.purpose'), cell: (g) => purposeLabel(g.purpose) },
      { header: t('grants.valid'), cell: (g) => period(g.validFrom, g.validTo) },
      {
        header: t('grants.uses'),
        cell: (g) =>
          text(g.useLimit === null ? String(g.useCount) : `${g.useCount} / ${g.useLimit}`),
        numeric: true,
      },
      {
        header: t('common.status'),
        cell: (g) =>
          h(
            'span',
            { class: 'badges' },
            grantState(g),
            g.automatic ? badge(t('requests.automatic'), 'muted') : null,
          ),
      },
      {
        header: t('common.actions'),
        cell: (g) =>
          g.provider === me?.department && !g.revocation && hasRole('publisher', 'admin')
            ? revokeForm(g)
            : null,
      },
    ],
    grants,
  );
}

const revokeForm = (g: Grant): HTMLElement =>
  reasonForm(t('grants.revokeReason'), [
    {
      label: t('grants.revoke'),
      kind: 'danger',
      requireReason: true,
      question: (why) =>
        t('grants.confirmRevoke', { consumer: departmentName(g.consumer), reason: why }),
      run: (why) => api.grants.revoke(g.id, why),
    },
  ]);

function objectionsTable(rows: readonly ObjectionRow[]): HTMLElement {
  const me = currentUser();
  return table<ObjectionRow>(
    t('objections.title'),
    [
      { header: t('requests.catalog'), cell: (o) => catalogLink(o.catalogId) },
      { header: t('catalog.version'), cell: (o) => text(o.version), numeric: true },
      {
        header: t('objections.raisedBy'),
        cell: (o) => person(o.raisedBy),
      },
      { header: t('objections.description'), cell: (o) => text(o.description) },
      { header: t('common.status'), cell: (o) => objectionStatusBadge(o.status) },
      { header: t('objections.raisedAt'), cell: (o) => formatTime(o.raisedAt) },
      { header: t('requests.deadline'), cell: (o) => deadline(o, o.overdue) },
      {
        header: t('common.actions'),
        cell: (o) =>
          o.status === 'open' && o.provider === me?.department && hasRole('publisher', 'admin')
            ? resolveForm(o)
            : text(
                o.resolution?.reason ??
                  (o.resolution?.correctedVersion ? `v${o.resolution.correctedVersion}` : ''),
              ),
      },
    ],
    rows,
    (o) => (o.overdue ? 'overdue' : ''),
  );
}

/** Corrected (with the version that fixes the data) or rejected (with a reason). */
function resolveForm(o: QualityObjection): HTMLElement {
  const version = input('correctedVersion', { type: 'number', min: o.version + 1 });
  const correctedVersion = (): number => {
    const v = Number(version.value);
    if (!Number.isInteger(v) || v <= o.version)
      throw new UserError(t('objections.versionRequired'));
    return v;
  };
  return reasonForm(
    t('objections.reason'),
    [
      {
        label: t('objections.corrected'),
        kind: 'primary',
        requireReason: false,
        run: (why) =>
          api.objections.resolve(o.id, {
            resolution: 'corrected',
            correctedVersion: correctedVersion(),
            reason: why || null,
          }),
      },
      {
        label: t('objections.rejected'),
        kind: 'danger',
        requireReason: true,
        run: (why) =>
          api.objections.resolve(o.id, {
            resolution: 'rejected',
            correctedVersion: null,
            reason: why,
          }),
      },
    ],
    field(t('objections.correctedVersion'), version),
  );
}

/** Prefilled when the user came from a version's "raise an objection" link. */
function raiseForm(catalogId: string, version: string): HTMLElement {
  const form = h(
    'form',
    { class: 'stack' },
    h('h3', null, t('objections.raise')),
    h(
      'div',
      { class: 'grid2' },
      field(
        t('requests.catalog'),
        input('catalogId', { required: true, autocomplete: 'off', value: catalogId }),
      ),
      field(
        t('catalog.version'),
        input('version', { type: 'number', min: 1, required: true, value: version }),
      ),
    ),
    field(t('objections.description'), textarea('description', { required: true })),
    field(
      t('objections.records'),
      input('recordRefs', { required: true }),
      t('objections.recordsHint'),
    ),
    h('div', null, submit(t('objections.raiseSubmit'))),
  );
  return onSubmit(form, async () => {
    await api.objections.raise({
      catalogId: formValue(form, 'catalogId'),
      version: Number(formValue(form, 'version')),
      description: formValue(form, 'description'),
      recordRefs: formValue(form, 'recordRefs')
        .split(/[,，\s]+/)
        .filter(Boolean),
    });
    await refresh();
  });
}
