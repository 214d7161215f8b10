/**
 * The digital safe (数字保险箱): a citizen's or enterprise's own page, used without a token. The key
 * pair is made and kept in this browser (safe-keys.ts); the public key is shown for the verifying
 * department's counter to bind; the subject signs authorisations naming the consumer department,
 * the entry and fields, purpose, matter, period and number of uses, revokes them, and reads their
 * own trail (every use of their data, refused attempts too) on a freshly signed statement.
 *
 * An enterprise's safe is its legal representative's (法定代表人), who also delegates to agents
 * (经办人, safe-delegations.ts), or an agent's: the agent's key is named by a delegation, and the
 * safe signs within it (authorisations, revocations, the trail, as the delegation allows).
 */
import {
  PURPOSE_LABELS,
  PURPOSES,
  SUBJECT_STATEMENTS,
  type Purpose,
} from '@shulian/chaincode/constants';
import {
  api,
  type Authorisation,
  type AuthorisationTerms,
  type Delegation,
  type SubjectBinding,
  type SubjectTrail,
  type UsageRecord,
} from '../api.js';
import { dayInput } from '../dates.js';
import { h, text, type Child } from '../dom.js';
import { list, pick, t, type Msg } from '../i18n/index.js';
import { refresh } from '../router.js';
import {
  createKey,
  loadKey,
  nonce,
  SAFE_HOLDERS,
  setDelegation,
  setSubject,
  signAs,
  type SafeHolder,
  type SafeKey,
} from '../safe-keys.js';
import {
  badge,
  button,
  codeText,
  details,
  enumOptions,
  errorBox,
  errorText,
  field,
  formatTime,
  formValue,
  input,
  mono,
  notice,
  onSubmit,
  pageTitle,
  period,
  save,
  section,
  select,
  statusLine,
  submit,
  table,
  textarea,
  UserError,
  listItems,
} from '../ui.js';
import {
  cstToday,
  departmentName,
  departmentOptions,
  loadDepartments,
  person,
  purposeLabel,
} from './common.js';
import { outcomeBadge } from './labels.js';
import {
  delegateSection,
  delegationDetails,
  delegationsSection,
  delegationState,
  revokeAction,
  signedPeriod,
} from './safe-delegations.js';

const PSEUDONYM = /^[0-9a-f]{64}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export async function safePage(): Promise<HTMLElement> {
  await loadDepartments();
  const key = await loadKey();
  const head = pageTitle(t('safe.title'));
  const intro = h('p', { class: 'hint' }, t('safe.intro'));
  if (!key) return h('div', null, head, intro, createSection(null));
  if (key.holder === 'agent') return h('div', null, head, intro, ...(await agentSections(key)));
  if (!key.subject) return h('div', null, head, intro, keySection(key, null), subjectSection(key));

  let binding: SubjectBinding | null = null;
  let bindingError: Child = null;
  try {
    binding = await api.subjects.binding(key.subject);
  } catch (err) {
    bindingError = errorBox(err);
  }
  if (binding?.keyId !== key.keyId) {
    return h(
      'div',
      null,
      head,
      intro,
      keySection(key, binding),
      bindingError ?? notice('warn', t('safe.otherKey')),
      subjectSection(key),
      createSection(key),
    );
  }
  const trail = await api.subjects.trail(await signAs(key, trailTerms(key.subject)));
  // The legal representative's safe also delegates to agents.
  const delegates = key.holder === 'legalRep' ? binding : null;
  return h(
    'div',
    null,
    head,
    intro,
    keySection(key, binding),
    authoriseSection(key, key.subject),
    authorisationsSection(key, trail, binding, true),
    delegates ? delegateSection(key, key.subject) : null,
    delegates ? delegationsSection(key, trail.delegations, delegates) : null,
    trailSection(key, trail),
    createSection(key),
  );
}

/**
 * An agent's safe: the key, the delegation it signs under (entered from the legal
 * representative), and what the delegation lets it do; a delegation that is not live (revoked,
 * void, not yet valid, ended, or naming another key) is shown with a place for a new one.
 */
async function agentSections(key: SafeKey): Promise<Child[]> {
  if (!key.delegationId)
    return [keySection(key, null), delegationIdSection(key), createSection(key)];
  let delegation: Delegation;
  let binding: SubjectBinding;
  try {
    delegation = await api.subjects.delegation(key.delegationId);
    binding = await api.subjects.binding(delegation.subject);
  } catch (err) {
    return [keySection(key, null), errorBox(err), delegationIdSection(key), createSection(key)];
  }
  const state = delegationState(delegation, binding, Date.now());
  const shown = section(t('delegation.mineTitle'), delegationDetails(delegation, state));
  if (delegation.agentKeyId !== key.keyId || state !== 'live') {
    const why =
      delegation.agentKeyId !== key.keyId ? t('delegation.otherAgent') : t('delegation.notLive');
    return [
      keySection(key, null),
      shown,
      notice('warn', why),
      delegationIdSection(key),
      createSection(key),
    ];
  }
  const acts = delegation.terms.scope.acts;
  const subject = delegation.subject;
  const sections: Child[] = [keySection(key, null), shown];
  if (acts.includes('authorise')) sections.push(authoriseSection(key, subject));
  if (acts.includes('trail')) {
    const trail = await api.subjects.trail(await signAs(key, trailTerms(subject)));
    sections.push(
      authorisationsSection(key, trail, binding, acts.includes('revoke')),
      trailSection(key, trail),
    );
  }
  sections.push(createSection(key));
  return sections;
}

/** The delegation id the legal representative gives the agent; the safe checks it names this key. */
function delegationIdSection(key: SafeKey): HTMLElement {
  const id = input('delegationId', { autocomplete: 'off', value: key.delegationId ?? '' });
  const form = h(
    'form',
    { class: 'stack' },
    field(t('delegation.id'), id, t('delegation.idHint')),
    h('div', { class: 'filter-actions' }, submit(t('safe.saveSubject'))),
  );
  onSubmit(form, async () => {
    const delegation = await api.subjects.delegation(id.value.trim());
    if (delegation.agentKeyId !== key.keyId) throw new UserError(t('delegation.otherAgent'));
    await setDelegation(key, delegation);
    await refresh();
  });
  return section(t('delegation.idTitle'), form);
}

const trailTerms = (subject: string) => ({
  statement: SUBJECT_STATEMENTS.trail,
  subject,
  at: new Date().toISOString(),
});

/** Make a key (or a new one, for a new device: the counter binds it again, old authorisations lapse). */
function createSection(existing: SafeKey | null): HTMLElement {
  const holder = select(
    'holder',
    enumOptions(SAFE_HOLDERS, (k) => t(`safeHolder.${k}`)),
    existing?.holder ?? 'person',
  );
  const form = h(
    'form',
    { class: 'stack' },
    field(t('safe.holder'), holder),
    h(
      'div',
      { class: 'filter-actions' },
      submit(
        existing ? t('safe.replaceKey') : t('safe.createKey'),
        existing ? 'secondary' : 'primary',
      ),
    ),
  );
  onSubmit(form, async () => {
    await createKey(holder.value as SafeHolder);
    await refresh();
  });
  return section(
    existing ? t('safe.newKeyTitle') : t('safe.keyTitle'),
    h('p', null, existing ? t('safe.replaceHint') : t('safe.createHint')),
    form,
  );
}

function keySection(key: SafeKey, binding: SubjectBinding | null): HTMLElement {
  const spki = textarea('publicKey', { readonly: true, rows: 3 });
  spki.value = key.spki;
  spki.classList.add('mono');
  const agent = key.holder === 'agent';
  const state =
    binding?.keyId === key.keyId
      ? badge(t('safe.bound', { version: binding.version }), 'ok')
      : badge(t('safe.unbound'), 'warn');
  return section(
    t('safe.keyTitle'),
    details([
      [t('safe.kind'), t(`subjectKind.${key.kind}`)],
      [t('safe.holder'), t(`safeHolder.${key.holder}`)],
      [t('safe.keyId'), mono(key.keyId)],
      [t('safe.created'), formatTime(key.createdAt)],
      [t('safe.subject'), key.subject ? mono(key.subject) : text('—')],
      // An agent's key is named by a delegation, never bound at a counter.
      ...(agent ? [] : [[t('safe.binding'), state] as const]),
    ]),
    field(
      agent ? t('safe.agentPublicKey') : t('safe.publicKey'),
      spki,
      agent ? t('safe.agentPublicKeyHint') : t('safe.publicKeyHint'),
    ),
    h('p', { class: 'hint' }, t('safe.nonExtractable')),
  );
}

/** The pseudonym the counter gives with the binding: the safe needs it to name the subject. */
function subjectSection(key: SafeKey): HTMLElement {
  const subject = input('subject', { autocomplete: 'off', value: key.subject ?? '' });
  const form = h(
    'form',
    { class: 'stack' },
    field(t('safe.subject'), subject, t('safe.subjectHint')),
    h('div', { class: 'filter-actions' }, submit(t('safe.saveSubject'))),
  );
  onSubmit(form, async () => {
    const value = subject.value.trim().toLowerCase();
    if (!PSEUDONYM.test(value)) throw new UserError(t('safe.subjectInvalid'));
    await setSubject(key, value);
    await refresh();
  });
  return section(t('safe.subjectTitle'), form);
}

function authoriseSection(key: SafeKey, subject: string): HTMLElement {
  const form = h(
    'form',
    { class: 'grid2' },
    field(t('safe.consumer'), select('consumer', departmentOptions())),
    field(t('safe.entry'), input('catalogId', { autocomplete: 'off', required: true })),
    field(
      t('safe.fields'),
      input('fields', { autocomplete: 'off', required: true }),
      t('safe.fieldsHint'),
    ),
    field(
      t('requests.purpose'),
      select(
        'purpose',
        PURPOSES.map((p) => ({ value: p, label: pick(PURPOSE_LABELS[p]) })),
        'data_verification',
      ),
    ),
    field(
      t('safe.matter'),
      input('matter', { autocomplete: 'off', required: true }),
      t('safe.matterHint'),
    ),
    field(t('safe.validFrom'), dayInput('validFrom', { value: cstToday(), required: true })),
    field(t('safe.validTo'), dayInput('validTo', { value: cstToday(30), required: true })),
    field(
      t('safe.maxUses'),
      input('maxUses', { type: 'number', min: 1, max: 1000, step: 1, value: '1', required: true }),
      t('safe.maxUsesHint'),
    ),
    h('div', { class: 'filter-actions' }, submit(t('safe.sign'))),
  );
  onSubmit(form, async (): Promise<Msg> => {
    const fields = listItems(formValue(form, 'fields'));
    if (fields.length === 0 || !fields.every((f) => FIELD.test(f)))
      throw new UserError(t('safe.fieldsInvalid'));
    const terms: AuthorisationTerms = {
      statement: SUBJECT_STATEMENTS.authorise,
      subject,
      consumer: formValue(form, 'consumer'),
      entries: [{ catalogId: formValue(form, 'catalogId'), fields: [...new Set(fields)] }],
      purpose: formValue(form, 'purpose') as Purpose,
      matter: formValue(form, 'matter'),
      ...signedPeriod(form),
      maxUses: Number(formValue(form, 'maxUses')),
      nonce: nonce(),
    };
    const { data } = await api.subjects.authorise(await signAs(key, terms));
    await refresh();
    return t('safe.signed', { id: data.id });
  });
  return section(t('safe.authoriseTitle'), h('p', null, t('safe.authoriseHint')), form);
}

type AuthorisationState = 'live' | 'revoked' | 'void' | 'expired' | 'spent';

/**
 * What the ledger would judge of a use under `a` now. Void: signed with a key the subject has
 * since replaced, or by an agent under a delegation since revoked.
 */
function stateOf(
  a: Authorisation,
  now: number,
  currentKey: number,
  revokedDelegations: ReadonlySet<string>,
): AuthorisationState {
  if (a.revocation) return 'revoked';
  if (a.bindingVersion !== currentKey) return 'void';
  if (a.terms.delegationId && revokedDelegations.has(a.terms.delegationId)) return 'void';
  if (now > Date.parse(a.terms.validTo)) return 'expired';
  if (a.useCount >= a.terms.maxUses) return 'spent';
  return 'live';
}

const STATE_KIND = {
  live: 'ok',
  revoked: 'bad',
  void: 'bad',
  expired: 'muted',
  spent: 'muted',
} as const;

function authorisationsSection(
  key: SafeKey,
  trail: SubjectTrail,
  binding: SubjectBinding,
  mayRevoke: boolean,
): HTMLElement {
  const now = Date.now();
  const revoked = new Set(trail.delegations.filter((d) => d.revocation).map((d) => d.id));
  const state = (a: Authorisation) => stateOf(a, now, binding.version, revoked);
  const sorted = [...trail.authorisations].sort((a, b) =>
    b.submittedAt.localeCompare(a.submittedAt),
  );
  return section(
    t('safe.authorisationsTitle'),
    table<Authorisation>(
      t('safe.authorisationsTitle'),
      [
        { header: t('safe.authorisation'), cell: (a) => mono(a.id) },
        { header: t('safe.consumer'), cell: (a) => departmentName(a.terms.consumer) },
        {
          header: t('safe.entry'),
          cell: (a) =>
            a.terms.entries.map((e) =>
              h(
                'div',
                null,
                text(e.catalogId),
                text(': '),
                list(e.fields.map((f) => pick({ zh: f, en: f }))),
              ),
            ),
        },
        {
          header: t('requests.purpose'),
          cell: (a) => [purposeLabel(a.terms.purpose), h('br'), text(a.terms.matter)],
        },
        { header: t('safe.period'), cell: (a) => period(a.terms.validFrom, a.terms.validTo) },
        {
          header: t('safe.uses'),
          cell: (a) => t('safe.usesOf', { used: a.useCount, max: a.terms.maxUses }),
          numeric: true,
        },
        {
          header: t('common.status'),
          cell: (a) => {
            const judged = state(a);
            return badge(t(`safeState.${judged}`), STATE_KIND[judged]);
          },
        },
        {
          header: t('common.actions'),
          cell: (a) => (state(a) === 'revoked' || !mayRevoke ? null : revokeButton(key, a)),
        },
      ],
      sorted,
    ),
  );
}

function revokeButton(key: SafeKey, a: Authorisation): HTMLElement {
  return revokeAction(t('safe.revokeLabel', { id: a.id.slice(0, 13) }), () =>
    signAs(key, {
      statement: SUBJECT_STATEMENTS.revoke,
      subject: a.subject,
      authorisationId: a.id,
      at: new Date().toISOString(),
    }).then((signed) => api.subjects.revoke(signed)),
  );
}

function trailSection(key: SafeKey, trail: SubjectTrail): HTMLElement {
  const status = statusLine();
  const exportCsv = button(t('audit.exportCsv'), () => {
    signAs(key, trailTerms(trail.subject))
      .then((signed) => api.subjects.trailCsv(signed))
      .then(save)
      .catch((err: unknown) => status.replaceChildren(errorText(err)));
  });
  const refused = trail.uses.filter((u) => u.outcome === 'DENIED').length;
  return section(
    t('safe.trailTitle'),
    h(
      'p',
      { class: 'count', role: 'status' },
      t('audit.count', { count: trail.uses.length, refused }),
    ),
    h('div', { class: 'actions' }, exportCsv, status),
    table<UsageRecord>(
      t('safe.trailTitle'),
      [
        { header: t('common.time'), cell: (u) => formatTime(u.at) },
        {
          header: t('audit.user'),
          cell: (u) => person(u.consumer),
        },
        { header: t('safe.entry'), cell: (u) => text(u.catalogId) },
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
          header: t('safe.authorisation'),
          cell: (u) => (u.authorisationId ? mono(u.authorisationId) : text('—')),
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
      ],
      trail.uses,
      (u) => (u.outcome === 'DENIED' ? 'refused' : ''),
    ),
  );
}
