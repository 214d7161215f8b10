/**
 * One catalog entry: its metadata, information items (信息项) with sensitivity, share conditions
 * or legal basis, anchored versions with digests and proof bundles, and its change history; and
 * the publish / edit form for the owner department.
 */
import {
  CATALOG_CLASSIFICATIONS,
  DATASET_FORMAT_LABELS,
  DATASET_FORMATS,
  DIGEST_ALGORITHMS,
  FIELD_TYPES,
  OPENNESS,
  SENSITIVITY_LEVELS,
  SHARE_METHODS,
  SHARE_TYPES,
  SUBJECT_KINDS,
  UPDATE_FREQUENCIES,
  type CatalogClassification,
  type CatalogField,
  type DigestAlgorithm,
  type DatasetFormat,
  type FieldType,
  type Openness,
  type Sensitivity,
  type ShareMethod,
  type ShareType,
  type SubjectKind,
  type UpdateFrequency,
} from '@shulian/chaincode/constants';
import {
  api,
  type AnchoredVersion,
  type CatalogEntry,
  type CatalogMetadata,
  type HistoryItem,
  type UpdateRequirement,
} from '../api.js';
import { dayInput } from '../dates.js';
import { h, text, type Child } from '../dom.js';
import { list, pick, t, type Msg } from '../i18n/index.js';
import { go, refresh } from '../router.js';
import { currentUser, hasRole } from '../session.js';
import {
  badge,
  button,
  checkboxes,
  checkedValues,
  deadline,
  details,
  enumOptions,
  errorBox,
  field,
  fileInput,
  formatBytes,
  formatTime,
  formValue,
  input,
  mono,
  onSubmit,
  pageTitle,
  reasonForm,
  save,
  section,
  select,
  submit,
  table,
  textarea,
  UserError,
} from '../ui.js';
import { cstToday, departmentName, loadDepartments, person } from './common.js';
import { sensitivityBadge, shareTypeBadge, updateStatusBadge } from './labels.js';

const isOwner = (entry: CatalogEntry): boolean =>
  currentUser()?.department === entry.owner && hasRole('publisher', 'admin');

/** A format by its name in the reader's language, with the media type a file of it is sent as. */
const formatLabel = (format: DatasetFormat): Msg =>
  t('entry.formatOption', { label: pick(DATASET_FORMAT_LABELS[format]), type: format });

export async function entryPage(id: string): Promise<HTMLElement> {
  if (!currentUser()) return publicEntryPage(id);
  const [entry, versions, history, requirement] = await Promise.all([
    api.catalog.get(id),
    api.catalog.versions(id).then((r) => r.items),
    api.catalog.history(id).then((r) => r.items),
    // Through the list, which is empty for an entry never required to update, rather than the
    // per-entry route's 404, which the browser would log as an error.
    api.catalogUpdates.list({ catalogId: id }).then((r) => r.items[0]),
    loadDepartments(),
  ]);
  const owner = isOwner(entry);
  const requestLink =
    !owner && entry.shareType !== 'not_shared' && hasRole('consumer')
      ? h(
          'a',
          { class: 'btn primary', href: `#/requests?new=${encodeURIComponent(entry.id)}` },
          t('entry.request'),
        )
      : null;
  return h(
    'div',
    null,
    pageTitle(
      t('entry.title', { name: entry.name }),
      owner
        ? h(
            'a',
            { class: 'btn secondary', href: `#/catalog/${encodeURIComponent(entry.id)}/edit` },
            t('entry.edit'),
          )
        : null,
      requestLink,
    ),
    section(t('entry.metadata'), metadata(entry)),
    updateRequirement(entry, requirement),
    section(t('entry.fields'), fieldsTable(entry.fields)),
    section(t('entry.versions'), versionsTable(entry, versions)),
    owner ? ownerTools(entry, versions) : null,
    section(t('entry.history'), historyTable(history)),
  );
}

/**
 * Signed out: an open (开放) entry as the public catalog answers it, its description and fields;
 * versions, history and requests are for signed-in departments (any other id answers 401, which
 * sends the visitor to sign in).
 */
async function publicEntryPage(id: string): Promise<HTMLElement> {
  const [entry] = await Promise.all([api.catalog.get(id), loadDepartments()]);
  return h(
    'div',
    null,
    pageTitle(
      t('entry.title', { name: entry.name }),
      h(
        'a',
        { class: 'btn secondary', href: `#/signin?next=${encodeURIComponent(`catalog/${id}`)}` },
        t('account.signIn'),
      ),
    ),
    section(t('entry.metadata'), metadata(entry)),
    section(t('entry.fields'), fieldsTable(entry.fields)),
  );
}

function metadata(e: CatalogEntry): HTMLElement {
  const basis: [ReturnType<typeof t>, Child][] = [];
  if (e.shareConditions) basis.push([t('entry.shareConditions'), text(e.shareConditions)]);
  if (e.legalBasis) basis.push([t('entry.legalBasis'), text(e.legalBasis)]);
  return details([
    [t('catalog.code'), mono(e.id)],
    [t('catalog.owner'), departmentName(e.owner)],
    [t('entry.classification'), t(`classification.${e.classification}`)],
    [t('entry.abstract'), text(e.abstract)],
    [t('catalog.shareType'), shareTypeBadge(e.shareType)],
    ...basis,
    [t('entry.shareMethods'), list(e.shareMethods.map((m) => t(`shareMethod.${m}`)))],
    [t('entry.openness'), t(`openness.${e.openness}`)],
    [t('catalog.updateFrequency'), t(`frequency.${e.updateFrequency}`)],
    [t('entry.format'), text(formatLabel(e.format))],
    [t('entry.publishDate'), text(e.publishDate)],
    [t('entry.sourceSystem'), text(e.sourceSystem ?? '—')],
    [t('entry.scenarios'), text(e.scenarios.join('; ') || '—')],
    [t('catalog.revision'), text(e.version)],
    [t('entry.status'), t(`catalogStatus.${e.status}`)],
    [t('entry.updated'), [formatTime(e.updatedAt), text(' · '), person(e.updatedBy)]],
  ]);
}

/**
 * The entry's latest update requirement with its deadline, and, for the coordinator's
 * administrators, the form that requires one (the chaincode refuses a second open one).
 */
function updateRequirement(
  entry: CatalogEntry,
  r: UpdateRequirement | undefined,
): HTMLElement | null {
  const me = currentUser();
  const canRequire =
    me?.isCoordinator === true &&
    hasRole('admin') &&
    entry.status === 'active' &&
    r?.status !== 'open';
  if (!r && !canRequire) return null;
  return section(
    t('updates.title'),
    r
      ? details([
          [t('entry.status'), updateStatusBadge(r.status)],
          [t('updates.reason'), text(r.reason)],
          [t('updates.required'), [formatTime(r.requiredAt), text(' · '), person(r.requiredBy)]],
          [t('updates.deadline'), deadline(r, r.overdue)],
          ...(r.answer
            ? [
                [
                  t('updates.answer'),
                  [
                    t('updates.answerValue', { version: r.answer.version }),
                    text(' · '),
                    formatTime(r.answer.at),
                  ],
                ] as const,
              ]
            : []),
        ])
      : null,
    canRequire
      ? [
          h('p', { class: 'hint' }, t('updates.requireHint')),
          reasonForm(t('updates.reason'), [
            {
              label: t('updates.require'),
              kind: 'primary',
              requireReason: true,
              run: (reason) => api.catalog.requireUpdate(entry.id, reason),
            },
          ]),
        ]
      : null,
  );
}

function fieldsTable(fields: readonly CatalogField[]): HTMLElement {
  return table<CatalogField>(
    t('entry.fields'),
    [
      { header: t('entry.fieldName'), cell: (f) => mono(f.name) },
      { header: t('entry.fieldNameZh'), cell: (f) => text(f.nameZh ?? '—') },
      { header: t('entry.fieldType'), cell: (f) => t(`fieldType.${f.type}`) },
      { header: t('catalog.sensitivity'), cell: (f) => sensitivityBadge(f.sensitivity) },
      {
        header: t('entry.fieldConsent'),
        cell: (f) => (f.consent ? badge(t(`consent.${f.consent}`), 'warn') : text('—')),
      },
      { header: t('entry.fieldDescription'), cell: (f) => text(f.description ?? '') },
    ],
    fields,
  );
}

function versionsTable(entry: CatalogEntry, versions: readonly AnchoredVersion[]): HTMLElement {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const fetchFile = (get: () => ReturnType<typeof api.catalog.proof>): void => {
    status.className = 'form-status';
    status.replaceChildren(t('common.working'));
    get()
      .then((file) => {
        save(file);
        status.replaceChildren(t('entry.downloaded', { file: file.filename }));
      })
      .catch((err: unknown) => status.replaceChildren(errorBox(err)));
  };
  const owner = isOwner(entry);
  return h(
    'div',
    null,
    table<AnchoredVersion>(
      t('entry.versions'),
      [
        { header: t('catalog.version'), cell: (v) => text(v.version), numeric: true },
        {
          header: t('entry.digest'),
          cell: (v) => [
            h('span', { class: 'alg' }, text(v.digest.algorithm)),
            mono(v.digest.value),
          ],
        },
        { header: t('entry.size'), cell: (v) => formatBytes(v.size), numeric: true },
        { header: t('entry.anchoredAt'), cell: (v) => formatTime(v.anchoredAt) },
        { header: t('common.block'), cell: (v) => text(v.blockNumber), numeric: true },
        { header: t('entry.reason'), cell: (v) => text(v.reason ?? '') },
        {
          header: t('common.actions'),
          cell: (v) =>
            h(
              'div',
              { class: 'row-actions' },
              button(
                t('entry.proof'),
                () => fetchFile(() => api.catalog.proof(entry.id, v.version)),
                'secondary',
                {
                  'aria-label': t('entry.proofLabel', { version: v.version }),
                },
              ),
              owner || entry.shareType === 'not_shared'
                ? null
                : button(
                    t('entry.download'),
                    () => fetchFile(() => api.catalog.content(entry.id, v.version)),
                    'secondary',
                    {
                      'aria-label': t('entry.downloadLabel', { version: v.version }),
                    },
                  ),
              // A consumer who doubts a value raises an objection against this version.
              !owner && hasRole('consumer')
                ? h(
                    'a',
                    {
                      class: 'btn link',
                      href: `#/grants?catalogId=${encodeURIComponent(entry.id)}&version=${v.version}`,
                      'aria-label': t('entry.objectLabel', { version: v.version }),
                    },
                    t('entry.object'),
                  )
                : null,
            ),
        },
      ],
      versions,
    ),
    status,
  );
}

/** The owner anchors new versions and issues record proofs (for a citizen's single record). */
function ownerTools(entry: CatalogEntry, versions: readonly AnchoredVersion[]): HTMLElement {
  const file = fileInput('file');
  const upload = h(
    'form',
    { class: 'stack' },
    h('h3', null, t('entry.uploadTitle')),
    h('p', { class: 'hint' }, t('entry.uploadHint')),
    h(
      'div',
      { class: 'grid2' },
      field(t('entry.file'), file),
      field(
        t('verify.algorithm'),
        select(
          'algorithm',
          enumOptions(DIGEST_ALGORITHMS, (v) => t(`algorithm.${v}`)),
          'sha256',
        ),
      ),
      field(t('entry.reason'), input('reason', { autocomplete: 'off' })),
    ),
    h('div', null, submit(t('entry.uploadSubmit'))),
  );
  onSubmit(upload, async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new UserError(t('entry.fileRequired'));
    await api.catalog.upload(
      entry.id,
      chosen,
      formValue(upload, 'algorithm') as DigestAlgorithm,
      formValue(upload, 'reason'),
    );
    await refresh();
  });

  const tabular = versions.filter((v) => v.recordRoot !== null);
  return section(
    t('entry.ownerTools'),
    upload,
    tabular.length ? recordProofForm(entry, tabular) : null,
  );
}

function recordProofForm(entry: CatalogEntry, tabular: readonly AnchoredVersion[]): HTMLElement {
  const form = h(
    'form',
    { class: 'stack' },
    h('h3', null, t('entry.recordProofTitle')),
    h('p', { class: 'hint' }, t('entry.recordProofHint')),
    h(
      'div',
      { class: 'grid2' },
      field(
        t('catalog.version'),
        select(
          'version',
          tabular.map((v) => ({ value: String(v.version), label: text(v.version) })),
          String(tabular.at(-1)?.version),
        ),
      ),
      field(
        t('entry.recordIndex'),
        input('index', { type: 'number', min: 0, value: '0', required: true }),
      ),
    ),
    h('div', null, submit(t('entry.recordProofSubmit'), 'secondary')),
  );
  return onSubmit(form, async () => {
    const proof = await api.catalog.recordProof(
      entry.id,
      Number(formValue(form, 'version')),
      Number(formValue(form, 'index')),
    );
    save(proof);
    return t('entry.downloaded', { file: proof.filename });
  });
}

function historyTable(history: readonly HistoryItem<CatalogEntry>[]): HTMLElement {
  return table<HistoryItem<CatalogEntry>>(
    t('entry.history'),
    [
      { header: t('common.time'), cell: (i) => formatTime(i.timestamp) },
      { header: t('catalog.revision'), cell: (i) => text(i.value?.version ?? '—'), numeric: true },
      { header: t('entry.changeReason'), cell: (i) => text(i.value?.changeReason ?? '') },
      {
        header: t('common.by'),
        cell: (i) => (i.value ? person(i.value.updatedBy) : null),
      },
      { header: t('common.tx'), cell: (i) => mono(i.txId) },
    ],
    [...history].reverse(),
  );
}

// ---- publish and edit ----------------------------------------------------------------------------

function fieldRow(fieldRows: HTMLElement, f?: CatalogField): void {
  const row = h(
    'fieldset',
    { class: 'field-row' },
    h('legend', null, t('entry.fieldLegend', { n: fieldRows.children.length + 1 })),
    field(
      t('entry.fieldName'),
      input('fieldName', { required: true, value: f?.name ?? '', autocomplete: 'off' }),
    ),
    field(t('entry.fieldNameZh'), input('fieldNameZh', { value: f?.nameZh ?? '' })),
    field(
      t('entry.fieldType'),
      select(
        'fieldType',
        enumOptions(FIELD_TYPES, (v) => t(`fieldType.${v}`)),
        f?.type ?? 'string',
      ),
    ),
    field(
      t('catalog.sensitivity'),
      select(
        'fieldSensitivity',
        enumOptions(SENSITIVITY_LEVELS, (v) => t(`sensitivity.${v}`)),
        f?.sensitivity ?? 'internal',
      ),
    ),
    field(
      t('entry.fieldConsent'),
      // 个人敏感 / 企业敏感: a use of the field needs the data subject's own authorisation too.
      select(
        'fieldConsent',
        [
          { value: '', label: t('entry.consentNone') },
          ...enumOptions(SUBJECT_KINDS, (k) => t(`consent.${k}`)),
        ],
        f?.consent ?? '',
      ),
    ),
    field(t('entry.fieldDescription'), input('fieldDescription', { value: f?.description ?? '' })),
  );
  row.appendChild(button(t('entry.removeField'), () => row.remove(), 'danger'));
  fieldRows.appendChild(row);
}

/** The entry's own metadata, in two columns. */
function entryBasics(entry: CatalogEntry | null): HTMLElement {
  return h(
    'div',
    { class: 'grid2' },
    field(
      t('catalog.code'),
      input('id', {
        required: true,
        value: entry?.id ?? '',
        readonly: entry !== null,
        autocomplete: 'off',
      }),
      t('entry.codeHint'),
    ),
    field(t('catalog.name'), input('name', { required: true, value: entry?.name ?? '' })),
    field(
      t('entry.classification'),
      select(
        'classification',
        enumOptions(CATALOG_CLASSIFICATIONS, (v) => t(`classification.${v}`)),
        entry?.classification,
      ),
    ),
    field(
      t('entry.format'),
      select(
        'format',
        DATASET_FORMATS.map((f) => ({ value: f, label: formatLabel(f) })),
        entry?.format ?? 'text/csv',
      ),
    ),
    field(
      t('catalog.shareType'),
      select(
        'shareType',
        enumOptions(SHARE_TYPES, (v) => t(`shareType.${v}`)),
        entry?.shareType ?? 'conditional',
      ),
    ),
    field(
      t('entry.openness'),
      select(
        'openness',
        enumOptions(OPENNESS, (v) => t(`openness.${v}`)),
        entry?.openness ?? 'not_open',
      ),
    ),
    field(
      t('catalog.updateFrequency'),
      select(
        'updateFrequency',
        enumOptions(UPDATE_FREQUENCIES, (v) => t(`frequency.${v}`)),
        entry?.updateFrequency ?? 'monthly',
      ),
    ),
    field(
      t('entry.publishDate'),
      dayInput('publishDate', { required: true, value: entry?.publishDate ?? cstToday() }),
    ),
  );
}

/** The field holding the subject's identifier, which fields that need consent require. */
function subjectFieldInput(entry: CatalogEntry | null): HTMLElement {
  return field(
    t('entry.subjectField'),
    input('subjectField', { value: entry?.subjectField ?? '', autocomplete: 'off' }),
    t('entry.subjectFieldHint'),
  );
}

/** The catalog metadata the form holds, fields in the order of their rows. */
function readEntryForm(form: HTMLFormElement, fieldRows: HTMLElement): CatalogMetadata {
  const value = (name: string): string => formValue(form, name);
  const rows = [...fieldRows.querySelectorAll('fieldset')];
  const rowValue = (row: Element, name: string): string =>
    (
      row.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)?.value ?? ''
    ).trim();
  const payload: CatalogMetadata = {
    name: value('name'),
    classification: value('classification') as CatalogClassification,
    abstract: value('abstract'),
    format: value('format') as DatasetFormat,
    shareType: value('shareType') as ShareType,
    shareConditions: value('shareConditions') || null,
    legalBasis: value('legalBasis') || null,
    shareMethods: checkedValues(form, 'shareMethods') as ShareMethod[],
    openness: value('openness') as Openness,
    updateFrequency: value('updateFrequency') as UpdateFrequency,
    publishDate: value('publishDate'),
    scenarios: value('scenarios')
      .split(/[;；]/)
      .map((s) => s.trim())
      .filter(Boolean),
    fields: rows.map((row) => ({
      name: rowValue(row, 'fieldName'),
      ...(rowValue(row, 'fieldNameZh') ? { nameZh: rowValue(row, 'fieldNameZh') } : {}),
      type: rowValue(row, 'fieldType') as FieldType,
      sensitivity: rowValue(row, 'fieldSensitivity') as Sensitivity,
      ...(rowValue(row, 'fieldConsent')
        ? { consent: rowValue(row, 'fieldConsent') as SubjectKind }
        : {}),
      ...(rowValue(row, 'fieldDescription')
        ? { description: rowValue(row, 'fieldDescription') }
        : {}),
    })),
    // Sent always, so an edit keeps (or clears) the identifier column with the consent marks.
    subjectField: value('subjectField') || null,
  };
  return payload;
}

export async function editEntryPage(id: string | null): Promise<HTMLElement> {
  const entry = id ? await api.catalog.get(id) : null;
  const fieldRows = h('div', { class: 'field-rows' });
  const addField = (f?: CatalogField): void => fieldRow(fieldRows, f);
  for (const f of entry?.fields ?? []) addField(f);
  if (!entry) addField();

  const form = h(
    'form',
    { class: 'stack editor' },
    entryBasics(entry),
    field(
      t('entry.abstract'),
      textarea('abstract', { required: true, value: entry?.abstract ?? '' }),
    ),
    field(
      t('entry.shareConditions'),
      textarea('shareConditions', { value: entry?.shareConditions ?? '' }),
      t('entry.shareConditionsHint'),
    ),
    field(
      t('entry.legalBasis'),
      textarea('legalBasis', { value: entry?.legalBasis ?? '' }),
      t('entry.legalBasisHint'),
    ),
    checkboxes(
      t('entry.shareMethods'),
      'shareMethods',
      enumOptions(SHARE_METHODS, (v) => t(`shareMethod.${v}`)),
      entry?.shareMethods ?? ['file'],
    ),
    field(
      t('entry.scenarios'),
      input('scenarios', { value: entry?.scenarios.join('; ') ?? '' }),
      t('entry.scenariosHint'),
    ),
    h('h2', null, t('entry.fields')),
    subjectFieldInput(entry),
    fieldRows,
    h(
      'div',
      null,
      button(t('entry.addField'), () => addField(), 'secondary'),
    ),
    entry ? field(t('entry.changeReason'), textarea('changeReason', { required: true })) : null,
    h('div', { class: 'actions' }, submit(entry ? t('entry.save') : t('entry.publishSubmit'))),
  );

  onSubmit(form, async () => {
    const payload = readEntryForm(form, fieldRows);
    const value = (name: string): string => formValue(form, name);
    const { data } = entry
      ? await api.catalog.update(entry.id, payload, value('changeReason'))
      : await api.catalog.create(value('id'), payload);
    go(`catalog/${encodeURIComponent(data.id)}`);
  });

  return h(
    'div',
    null,
    pageTitle(entry ? t('entry.editTitle', { name: entry.name }) : t('entry.publishTitle')),
    form,
  );
}
