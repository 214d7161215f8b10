/**
 * An enterprise's delegations in the digital safe: the legal representative (法定代表人) lets an
 * agent (经办人) sign for the enterprise by signing a delegation that names the agent's public key,
 * what the agent may sign, for which entries and until when, and revokes it; the agent's safe
 * shows the delegation it signs under. The ledger checks every statement an agent signs against
 * the delegation (chaincode/src/contracts/consent.ts); these pages only say so in advance.
 */
import {
  DELEGATED_ACTS,
  SUBJECT_STATEMENTS,
  type DelegatedAct,
} from '@shulian/chaincode/constants';
import { api, type Delegation, type DelegationTerms, type SubjectBinding } from '../api.js';
import { dayInput } from '../dates.js';
import { h, text } from '../dom.js';
import { list, t, type Msg } from '../i18n/index.js';
import { refresh } from '../router.js';
import { nonce, signStatement, type SafeKey } from '../safe-keys.js';
import {
  badge,
  boundInstant,
  button,
  checkboxes,
  checkedValues,
  details,
  enumOptions,
  errorText,
  field,
  formValue,
  input,
  mono,
  onSubmit,
  period,
  section,
  statusLine,
  submit,
  table,
  textarea,
  UserError,
  listItems,
} from '../ui.js';
import { cstToday } from './common.js';

const CATALOG_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SPKI = /^[A-Za-z0-9+/]+={0,2}$/;

export type DelegationState = 'live' | 'revoked' | 'void' | 'pending' | 'ended';
const STATE_KIND = {
  live: 'ok',
  revoked: 'bad',
  void: 'bad',
  pending: 'muted',
  ended: 'muted',
} as const;

/**
 * What the ledger would say of the delegation now: revoked, void (the enterprise's key was
 * replaced since it was signed), not yet valid, ended, or live.
 */
export function delegationState(
  d: Delegation,
  binding: Pick<SubjectBinding, 'version'> | null,
  now: number,
): DelegationState {
  if (d.revocation) return 'revoked';
  if (binding !== null && binding.version !== d.bindingVersion) return 'void';
  if (now < Date.parse(d.terms.validFrom)) return 'pending';
  if (now > Date.parse(d.terms.validTo)) return 'ended';
  return 'live';
}

export const delegationBadge = (state: DelegationState): HTMLElement =>
  badge(t(`delegationState.${state}`), STATE_KIND[state]);

const actsText = (acts: readonly DelegatedAct[]) => list(acts.map((a) => t(`delegatedAct.${a}`)));
const entriesText = (ids: readonly string[] | null) =>
  ids === null ? t('delegation.anyEntry') : text(ids.join(', '));

/** The delegation an agent signs under, as the agent's safe shows it. */
export function delegationDetails(d: Delegation, state: DelegationState): HTMLElement {
  return details([
    [t('delegation.id'), mono(d.id)],
    [t('delegation.enterprise'), mono(d.subject)],
    [t('delegation.acts'), actsText(d.terms.scope.acts)],
    [t('delegation.entries'), entriesText(d.terms.scope.catalogIds)],
    [t('safe.period'), period(d.terms.validFrom, d.terms.validTo)],
    [t('common.status'), delegationBadge(state)],
  ]);
}

/** The legal representative signs a delegation to an agent whose public key they were given. */
export function delegateSection(key: SafeKey, subject: string): HTMLElement {
  const agentKey = textarea('agentKey', { rows: 3, required: true });
  agentKey.classList.add('mono');
  const form = h(
    'form',
    { class: 'grid2' },
    field(t('delegation.agentKey'), agentKey, t('delegation.agentKeyHint')),
    checkboxes(
      t('delegation.acts'),
      'act',
      enumOptions(DELEGATED_ACTS, (a) => t(`delegatedAct.${a}`)),
      DELEGATED_ACTS,
    ),
    field(
      t('delegation.entries'),
      input('catalogIds', { autocomplete: 'off' }),
      t('delegation.entriesHint'),
    ),
    field(t('safe.validFrom'), dayInput('validFrom', { value: cstToday(), required: true })),
    field(t('safe.validTo'), dayInput('validTo', { value: cstToday(90), required: true })),
    h('div', { class: 'filter-actions' }, submit(t('delegation.sign'))),
  );
  onSubmit(form, async (): Promise<Msg> => {
    const spki = formValue(form, 'agentKey').replace(/\s+/g, '');
    if (!SPKI.test(spki)) throw new UserError(t('delegation.agentKeyInvalid'));
    if (spki === key.spki) throw new UserError(t('delegation.ownKey'));
    const acts = checkedValues(form, 'act') as DelegatedAct[];
    if (acts.length === 0) throw new UserError(t('delegation.actsRequired'));
    const ids = listItems(formValue(form, 'catalogIds'));
    if (!ids.every((id) => CATALOG_ID.test(id)))
      throw new UserError(t('delegation.entriesInvalid'));
    const terms: DelegationTerms = {
      statement: SUBJECT_STATEMENTS.delegate,
      subject,
      agentKey: spki,
      scope: { acts, catalogIds: ids.length === 0 ? null : [...new Set(ids)] },
      ...signedPeriod(form),
      nonce: nonce(),
    };
    const { data } = await api.subjects.delegate(await signStatement(key, terms));
    await refresh();
    return t('delegation.signed', { id: data.id });
  });
  return section(t('delegation.title'), h('p', null, t('delegation.hint')), form);
}

/** The enterprise's delegations, each revocable by the legal representative. */
export function delegationsSection(
  key: SafeKey,
  items: readonly Delegation[],
  binding: SubjectBinding,
): HTMLElement {
  const now = Date.now();
  const sorted = [...items].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  return section(
    t('delegation.listTitle'),
    table<Delegation>(
      t('delegation.listTitle'),
      [
        { header: t('delegation.id'), cell: (d) => mono(d.id) },
        { header: t('delegation.agentKeyId'), cell: (d) => mono(d.agentKeyId.slice(0, 16)) },
        { header: t('delegation.acts'), cell: (d) => actsText(d.terms.scope.acts) },
        { header: t('delegation.entries'), cell: (d) => entriesText(d.terms.scope.catalogIds) },
        { header: t('safe.period'), cell: (d) => period(d.terms.validFrom, d.terms.validTo) },
        {
          header: t('common.status'),
          cell: (d) => delegationBadge(delegationState(d, binding, now)),
        },
        {
          header: t('common.actions'),
          cell: (d) => (d.revocation ? null : revokeDelegationButton(key, d)),
        },
      ],
      sorted,
    ),
  );
}

/**
 * The period a statement signed in the safe covers: the form's first and last day as instants
 * (China Standard Time), refused when it ends before it starts.
 */
export function signedPeriod(form: HTMLFormElement): { validFrom: string; validTo: string } {
  const from = boundInstant(formValue(form, 'validFrom'), false);
  const to = boundInstant(formValue(form, 'validTo'), true);
  if (to <= from) throw new UserError(t('safe.periodInvalid'));
  return { validFrom: new Date(from).toISOString(), validTo: new Date(to).toISOString() };
}

/**
 * A revoke button that signs and submits a revocation in the safe, saying it works, then
 * refreshing the page, or showing why not: authorisations and delegations are revoked alike.
 */
export function revokeAction(ariaLabel: Msg, revoke: () => Promise<unknown>): HTMLElement {
  const status = statusLine();
  const btn = button(
    t('safe.revoke'),
    () => {
      btn.disabled = true;
      status.className = 'form-status';
      status.replaceChildren(t('common.working'));
      revoke()
        .then(() => refresh())
        .catch((err: unknown) => {
          status.className = 'form-status error';
          status.replaceChildren(errorText(err));
          btn.disabled = false;
        });
    },
    'danger',
    { 'aria-label': ariaLabel },
  );
  return h('span', { class: 'action' }, btn, status);
}

function revokeDelegationButton(key: SafeKey, d: Delegation): HTMLElement {
  return revokeAction(t('delegation.revokeLabel', { id: d.id.slice(0, 12) }), () =>
    signStatement(key, {
      statement: SUBJECT_STATEMENTS.undelegate,
      subject: d.subject,
      delegationId: d.id,
      at: new Date().toISOString(),
    }).then((signed) => api.subjects.undelegate(signed)),
  );
}
