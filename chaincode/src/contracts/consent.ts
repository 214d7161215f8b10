/**
 * Data subjects (个人 / 企业) and their authorisations (个人和企业数据授权使用, Jinan's 泉城链 model).
 *
 * A subject appears on the ledger only as a pseudonym (a keyed hash of the ID number that the
 * gateways compute with a key the ledger never sees) and a P-256 public key that a department
 * which verified the person's or enterprise's identity bound to it. The subject has no Fabric
 * identity: any registered department's gateway carries their signed statements to the ledger,
 * and the signature, verified here against the bound key, is the authority. Uses of consent
 * fields are judged in usage.ts against these authorisations.
 *
 * An enterprise's bound key is its legal representative's (法定代表人). The legal representative
 * may delegate signing to agents (经办人) with a signed delegation naming the agent's key, what
 * they may sign (authorisations, revocations, trail reads), for which entries and until when;
 * a statement an agent signs names the delegation, which must be live when it is submitted.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import {
  ErrorCode,
  EVENTS,
  TRAIL_STATEMENT_SKEW_MS,
  type DelegatedAct,
  type EventName,
} from '../constants.js';
import {
  hasRole,
  isCoordinator,
  openSession,
  requireRole,
  requireSubset,
  type Session,
} from '../lib/access.js';
import { ChaincodeError } from '../lib/errors.js';
import { AUTHORISATIONS, CATALOG, DELEGATIONS, DEPARTMENTS, SUBJECTS, USES } from '../lib/keys.js';
import { historyAsParty, readAsParty } from '../lib/queries.js';
import { emit, find, get, history, list, put, reply, type EntityKind } from '../lib/state.js';
import {
  authorisationIdOf,
  delegationIdOf,
  keyIdOf,
  p256PublicKey,
  spkiBase64,
  verifiesSubject,
} from '../lib/signature.js';
import { hex64, identifier } from '../model/schema.js';
import {
  authorisationInput,
  bindInput,
  checkArg,
  delegationInput,
  delegationRevocationInput,
  parseInput,
  revocationInput,
  trailInput,
} from '../model/inputs.js';
import type {
  Authorisation,
  AuthorisationTerms,
  Delegation,
  SubjectBinding,
} from '../model/types.js';

/** Who may read an authorisation: its consumer and the providers of its entries (and oversight). */
export const authorisationParties = (a: Authorisation): string[] => [
  a.terms.consumer,
  ...a.providers,
];

@Info({ title: 'consent', description: 'Data subjects, their keys and signed authorisations' })
export class ConsentContract extends ShulianContract {
  constructor() {
    super('consent');
  }

  /**
   * A verifier of a department that verifies this kind of subject (public security: persons,
   * market regulation: enterprises) binds the subject's public key, or replaces it (lost phone:
   * a reason is required). The record holds the pseudonym and the key, nothing personal.
   */
  @Transaction()
  @Returns('string')
  async BindSubject(ctx: Context, bindingJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'verifier', 'binding a data subject’s key');
    const input = parseInput(bindInput, bindingJson, 'binding');
    if (!session.department.verifies.includes(input.kind)) {
      throw new ChaincodeError(
        ErrorCode.FORBIDDEN_DEPARTMENT,
        `${session.actor.department} does not verify the identity of ${input.kind}s, so it may not bind their keys`,
      );
    }
    const key = p256PublicKey(input.publicKey);
    const keyId = keyIdOf(key);
    const previous = await find(ctx, SUBJECTS, [input.subject]);
    if (previous) {
      if (previous.kind !== input.kind) {
        throw new ChaincodeError(
          ErrorCode.INVALID_ARGUMENT,
          `subject ${input.subject} is bound as a ${previous.kind}, not a ${input.kind}`,
        );
      }
      if (previous.keyId === keyId) {
        throw new ChaincodeError(
          ErrorCode.ALREADY_EXISTS,
          `subject ${input.subject} is already bound to key ${keyId}`,
        );
      }
      if (input.reason === null || input.reason.trim() === '') {
        throw new ChaincodeError(
          ErrorCode.REASON_REQUIRED,
          `replacing the key of subject ${input.subject} requires a reason`,
        );
      }
    }
    const binding: SubjectBinding = {
      subject: input.subject,
      kind: input.kind,
      publicKey: spkiBase64(key),
      keyId,
      version: (previous?.version ?? 0) + 1,
      reason: previous ? input.reason : null,
      boundAt: session.nowIso,
      boundBy: session.actor,
    };
    await put(ctx, SUBJECTS, binding, previous);
    emit(ctx, EVENTS.SubjectBound, binding);
    return reply(binding);
  }

  /** A pseudonym and a public key are not personal data: every registered department may read them. */
  @Transaction(false)
  @Returns('string')
  async GetSubjectBinding(ctx: Context, subject: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, SUBJECTS, [checkArg(hex64, subject, 'subject')]));
  }

  /** Every key the subject has had, newest first. */
  @Transaction(false)
  @Returns('string')
  async GetSubjectBindingHistory(ctx: Context, subject: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await history(ctx, SUBJECTS, [checkArg(hex64, subject, 'subject')]));
  }

  /**
   * Stores an authorisation the subject signed. Any registered department's gateway may carry
   * it; the signature over the canonical terms, checked against the subject's current key, is
   * what makes it the subject's. The id is the hash of the terms, so the same authorisation is
   * refused a second time.
   */
  @Transaction()
  @Returns('string')
  async SubmitAuthorisation(ctx: Context, signedJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const { payload: terms, signature } = parseInput(
      authorisationInput,
      signedJson,
      'authorisation',
    );
    const signer = await verifySigner(ctx, session, terms, signature, 'authorise', 'these terms');
    if (signer.delegation) withinDelegation(signer.delegation, terms);
    const { binding } = signer;
    const id = authorisationIdOf(terms);
    if (await find(ctx, AUTHORISATIONS, [id])) {
      throw new ChaincodeError(
        ErrorCode.AUTHORISATION_REPLAYED,
        `authorisation ${id} was submitted before; a new one needs a new nonce`,
      );
    }
    if (session.now > Date.parse(terms.validTo)) {
      throw new ChaincodeError(
        ErrorCode.AUTHORISATION_EXPIRED,
        `the authorisation ended at ${terms.validTo}`,
      );
    }
    await get(ctx, DEPARTMENTS, [terms.consumer]);
    const providers = new Set<string>();
    for (const [i, authorised] of terms.entries.entries()) {
      const entry = await get(ctx, CATALOG, [authorised.catalogId]);
      requireSubset(
        authorised.fields,
        entry.fields.map((f) => f.name),
        ErrorCode.FIELD_NOT_IN_CATALOG,
        `entries[${i}].fields`,
        `catalog entry ${entry.id}`,
      );
      providers.add(entry.owner);
    }
    const stored: Authorisation = {
      id,
      subject: terms.subject,
      kind: binding.kind,
      terms,
      signature,
      bindingVersion: binding.version,
      keyId: signer.keyId,
      providers: [...providers].sort(),
      useCount: 0,
      submittedAt: session.nowIso,
      submittedBy: session.actor,
      revocation: null,
    };
    await put(ctx, AUTHORISATIONS, stored, null);
    emit(ctx, EVENTS.AuthorisationSubmitted, stored);
    return reply(stored);
  }

  /** The subject's signed revoke statement, checked like an authorisation; final. */
  @Transaction()
  @Returns('string')
  async RevokeAuthorisation(ctx: Context, signedJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const statement = parseInput(revocationInput, signedJson, 'revocation');
    const { payload } = statement;
    const current = await get(ctx, AUTHORISATIONS, [payload.authorisationId]);
    if (current.subject !== payload.subject) {
      throw new ChaincodeError(
        ErrorCode.AUTHORISATION_SUBJECT_MISMATCH,
        `authorisation ${current.id} is not subject ${payload.subject}'s`,
      );
    }
    await verifySigner(ctx, session, payload, statement.signature, 'revoke', 'this revocation');
    return recordRevocation(ctx, session, AUTHORISATIONS, current, {
      revocation: { at: session.nowIso, statement, submittedBy: session.actor },
      event: EVENTS.AuthorisationRevoked,
      what: 'authorisation',
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetAuthorisation(ctx: Context, id: string): Promise<string> {
    return reply(await readAsParty(ctx, AUTHORISATIONS, id, authorisationParties));
  }

  @Transaction(false)
  @Returns('string')
  async GetAuthorisationHistory(ctx: Context, id: string): Promise<string> {
    return historyAsParty(ctx, AUTHORISATIONS, id, authorisationParties);
  }

  /**
   * The subject's own authorisations, for the subject (a fresh signed trail statement) or
   * oversight (supervisors, the coordinator: statement `''`).
   */
  @Transaction(false)
  @Returns('string')
  async ListAuthorisationsBySubject(
    ctx: Context,
    subject: string,
    statementJson: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const session = await openSession(ctx, 'read');
    const pseudonym = await requireSubjectOrOversight(ctx, session, subject, statementJson);
    const selection = { index: 'subject', prefix: [pseudonym] };
    return reply(await list(ctx, AUTHORISATIONS, selection, pageSize, bookmark));
  }

  /**
   * Every use of the subject's data that named them, allowed and refused: who, when, what for,
   * under which authorisation. Same readers as ListAuthorisationsBySubject.
   */
  @Transaction(false)
  @Returns('string')
  async ListUsesBySubject(
    ctx: Context,
    subject: string,
    statementJson: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const session = await openSession(ctx, 'read');
    const pseudonym = await requireSubjectOrOversight(ctx, session, subject, statementJson);
    return reply(
      await list(ctx, USES, { index: 'subject', prefix: [pseudonym] }, pageSize, bookmark),
    );
  }

  /** The uses judged against one authorisation, for its parties and oversight (audit filter). */
  @Transaction(false)
  @Returns('string')
  async ListUsesByAuthorisation(
    ctx: Context,
    id: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const found = await readAsParty(ctx, AUTHORISATIONS, id, authorisationParties);
    const selection = { index: 'authorisation', prefix: [found.id] };
    return reply(await list(ctx, USES, selection, pageSize, bookmark));
  }

  /**
   * Stores a delegation an enterprise's legal representative signed with the enterprise's bound
   * key: the agent (经办人) whose key it names may then sign, within its scope and period, the
   * statements the enterprise could. Only enterprises delegate, and an agent never further.
   */
  @Transaction()
  @Returns('string')
  async SubmitDelegation(ctx: Context, signedJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const { payload: terms, signature } = parseInput(delegationInput, signedJson, 'delegation');
    const binding = await boundKey(ctx, terms.subject);
    if (binding.kind !== 'enterprise') {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `subject ${terms.subject} is a ${binding.kind}; only enterprises delegate to agents`,
      );
    }
    if (!verifiesSubject(binding.publicKey, terms, signature)) {
      throw new ChaincodeError(
        ErrorCode.SIGNATURE_INVALID,
        `the signature is not the legal representative's signature of this delegation (key ${binding.keyId} of ${terms.subject})`,
      );
    }
    const agentKeyId = keyIdOf(p256PublicKey(terms.agentKey, 'agentKey'));
    if (agentKeyId === binding.keyId) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        'agentKey is the enterprise’s own key; an agent needs a key of their own',
      );
    }
    const id = delegationIdOf(terms);
    if (await find(ctx, DELEGATIONS, [id])) {
      throw new ChaincodeError(
        ErrorCode.DELEGATION_REPLAYED,
        `delegation ${id} was submitted before; a new one needs a new nonce`,
      );
    }
    if (session.now > Date.parse(terms.validTo)) {
      throw new ChaincodeError(
        ErrorCode.DELEGATION_NOT_LIVE,
        `the delegation ended at ${terms.validTo}`,
      );
    }
    for (const catalogId of terms.scope.catalogIds ?? []) await get(ctx, CATALOG, [catalogId]);
    const stored: Delegation = {
      id,
      subject: terms.subject,
      terms,
      signature,
      bindingVersion: binding.version,
      keyId: binding.keyId,
      agentKeyId,
      submittedAt: session.nowIso,
      submittedBy: session.actor,
      revocation: null,
    };
    await put(ctx, DELEGATIONS, stored, null);
    emit(ctx, EVENTS.DelegationSubmitted, stored);
    return reply(stored);
  }

  /**
   * The legal representative's signed revocation of a delegation; final. It voids the
   * authorisations the agent signed under it too (usage.ts refuses them).
   */
  @Transaction()
  @Returns('string')
  async RevokeDelegation(ctx: Context, signedJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const statement = parseInput(delegationRevocationInput, signedJson, 'revocation');
    const { payload } = statement;
    const current = await get(ctx, DELEGATIONS, [payload.delegationId]);
    if (current.subject !== payload.subject) {
      throw new ChaincodeError(
        ErrorCode.DELEGATION_OUT_OF_SCOPE,
        `delegation ${current.id} is not subject ${payload.subject}'s`,
      );
    }
    const binding = await boundKey(ctx, payload.subject);
    if (!verifiesSubject(binding.publicKey, payload, statement.signature)) {
      throw new ChaincodeError(
        ErrorCode.SIGNATURE_INVALID,
        `the signature is not the legal representative's signature of this revocation (key ${binding.keyId})`,
      );
    }
    return recordRevocation(ctx, session, DELEGATIONS, current, {
      revocation: { at: session.nowIso, statement, submittedBy: session.actor },
      event: EVENTS.DelegationRevoked,
      what: 'delegation',
    });
  }

  /**
   * A delegation names a pseudonym, the agent's public key and a scope, nothing personal: every
   * registered department reads it (the agent's safe shows it before the agent signs under it).
   */
  @Transaction(false)
  @Returns('string')
  async GetDelegation(ctx: Context, id: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, DELEGATIONS, [checkArg(identifier, id, 'id')]));
  }

  /** The enterprise's delegations, for the enterprise (signed trail statement) or oversight. */
  @Transaction(false)
  @Returns('string')
  async ListDelegationsBySubject(
    ctx: Context,
    subject: string,
    statementJson: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const session = await openSession(ctx, 'read');
    const pseudonym = await requireSubjectOrOversight(ctx, session, subject, statementJson);
    const selection = { index: 'subject', prefix: [pseudonym] };
    return reply(await list(ctx, DELEGATIONS, selection, pageSize, bookmark));
  }
}

async function boundKey(ctx: Context, subject: string): Promise<SubjectBinding> {
  const binding = await find(ctx, SUBJECTS, [subject]);
  if (!binding) {
    throw new ChaincodeError(
      ErrorCode.SUBJECT_NOT_BOUND,
      `subject ${subject} has no key bound; a verifying department binds it after an identity check`,
    );
  }
  return binding;
}

/**
 * Reading what concerns one subject: supervisors and the coordinator may; anyone else must
 * present the subject's signature of a trail statement made within TRAIL_STATEMENT_SKEW_MS of
 * the transaction, so a department holding the pseudonym cannot read a person's trail alone.
 */
async function requireSubjectOrOversight(
  ctx: Context,
  session: Session,
  subject: string,
  statementJson: string,
): Promise<string> {
  const pseudonym = checkArg(hex64, subject, 'subject');
  if (statementJson === '') {
    if (hasRole(session, 'supervisor') || isCoordinator(session)) return pseudonym;
    throw new ChaincodeError(
      ErrorCode.FORBIDDEN_DEPARTMENT,
      `the records of subject ${pseudonym} are read with the subject's signed statement, or by supervisors and the coordinator`,
    );
  }
  const statement = parseInput(trailInput, statementJson, 'statement');
  if (statement.payload.subject !== pseudonym) {
    throw new ChaincodeError(
      ErrorCode.AUTHORISATION_SUBJECT_MISMATCH,
      `the statement is subject ${statement.payload.subject}'s, not ${pseudonym}'s`,
    );
  }
  const skew = Math.abs(session.now - Date.parse(statement.payload.at));
  if (skew > TRAIL_STATEMENT_SKEW_MS) {
    throw new ChaincodeError(
      ErrorCode.SIGNATURE_INVALID,
      `the statement was made at ${statement.payload.at}, more than ${TRAIL_STATEMENT_SKEW_MS / 60000} minutes from ${session.nowIso}; sign a fresh one`,
    );
  }
  await verifySigner(
    ctx,
    session,
    statement.payload,
    statement.signature,
    'trail',
    'this statement',
  );
  return pseudonym;
}

/** Who signed a subject's statement: the subject's bound key, or an agent under a delegation. */
interface Signer {
  binding: SubjectBinding;
  /** The key that verified the signature: the bound key, or the agent's. */
  keyId: string;
  delegation: Delegation | null;
}

/**
 * Checks a statement's signature: the subject's bound key's when it names no delegation;
 * otherwise the delegation's agent's, the delegation being this subject's, live at the
 * transaction's time and covering `act`.
 */
async function verifySigner(
  ctx: Context,
  session: Session,
  payload: { subject: string; delegationId?: string },
  signature: string,
  act: DelegatedAct,
  what: string,
): Promise<Signer> {
  const binding = await boundKey(ctx, payload.subject);
  if (payload.delegationId === undefined) {
    if (!verifiesSubject(binding.publicKey, payload, signature)) {
      throw new ChaincodeError(
        ErrorCode.SIGNATURE_INVALID,
        `the signature is not subject ${payload.subject}'s signature of ${what} (key ${binding.keyId})`,
      );
    }
    return { binding, keyId: binding.keyId, delegation: null };
  }
  const delegation = await get(ctx, DELEGATIONS, [payload.delegationId]);
  if (delegation.subject !== payload.subject) {
    throw new ChaincodeError(
      ErrorCode.DELEGATION_OUT_OF_SCOPE,
      `delegation ${delegation.id} is another subject's, not ${payload.subject}'s`,
    );
  }
  const dead = delegationVoid(delegation, binding, session.now);
  if (dead) throw new ChaincodeError(ErrorCode.DELEGATION_NOT_LIVE, dead);
  if (!delegation.terms.scope.acts.includes(act)) {
    throw new ChaincodeError(
      ErrorCode.DELEGATION_OUT_OF_SCOPE,
      `delegation ${delegation.id} lets the agent sign ${delegation.terms.scope.acts.join(', ')}, not ${act}`,
    );
  }
  if (!verifiesSubject(delegation.terms.agentKey, payload, signature)) {
    throw new ChaincodeError(
      ErrorCode.SIGNATURE_INVALID,
      `the signature is not the agent's signature of ${what} (key ${delegation.agentKeyId}, delegation ${delegation.id})`,
    );
  }
  return { binding, keyId: delegation.agentKeyId, delegation };
}

/**
 * Why a delegation no longer lets its agent sign, or null while it does. Replacing the
 * enterprise's key (a new legal representative, a lost device) voids every delegation the old
 * key signed, as it voids the authorisations.
 */
function delegationVoid(
  d: Delegation,
  binding: Pick<SubjectBinding, 'version'> | null,
  now: number,
): string | null {
  if (d.revocation) return `delegation ${d.id} was revoked at ${d.revocation.at}`;
  if (binding?.version !== d.bindingVersion) {
    return `delegation ${d.id} was signed with key ${d.keyId}, which the enterprise has since replaced`;
  }
  if (now < Date.parse(d.terms.validFrom)) {
    return `delegation ${d.id} is valid from ${d.terms.validFrom}`;
  }
  if (now > Date.parse(d.terms.validTo)) return `delegation ${d.id} ended at ${d.terms.validTo}`;
  return null;
}

/** An agent authorises only the delegation's entries, and not beyond the delegation's end. */
function withinDelegation(d: Delegation, terms: AuthorisationTerms): void {
  const allowed = d.terms.scope.catalogIds;
  const outside = terms.entries.filter((e) => allowed !== null && !allowed.includes(e.catalogId));
  if (outside.length > 0) {
    throw new ChaincodeError(
      ErrorCode.DELEGATION_OUT_OF_SCOPE,
      `delegation ${d.id} does not let the agent authorise uses of ${outside.map((e) => e.catalogId).join(', ')}`,
    );
  }
  if (Date.parse(terms.validTo) > Date.parse(d.terms.validTo)) {
    throw new ChaincodeError(
      ErrorCode.DELEGATION_OUT_OF_SCOPE,
      `delegation ${d.id} ends at ${d.terms.validTo}; the agent may not authorise beyond it (validTo ${terms.validTo})`,
    );
  }
}

/**
 * Stores a signed revocation on an authorisation or a delegation and announces it; a revocation
 * is final, so a second one is refused.
 */
async function recordRevocation<T extends { id: string; revocation: { at: string } | null }>(
  ctx: Context,
  session: Session,
  kind: EntityKind<T>,
  current: T,
  change: { revocation: NonNullable<T['revocation']>; event: EventName; what: string },
): Promise<string> {
  if (current.revocation) {
    throw new ChaincodeError(
      ErrorCode.INVALID_STATE,
      `${change.what} ${current.id} was already revoked at ${current.revocation.at}`,
    );
  }
  const revoked: T = { ...current, revocation: change.revocation };
  await put(ctx, kind, revoked, current);
  emit(ctx, change.event, revoked);
  return reply(revoked);
}
