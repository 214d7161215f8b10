/**
 * Enterprises as data subjects (企业数据授权使用): market regulation binds the legal
 * representative's (法定代表人) key to the enterprise's pseudonym; the legal representative signs
 * authorisations, or delegates signing to an agent (经办人) with a signed delegation (scope,
 * period, revocable) that the chaincode checks whenever the agent signs. Uses of 企业敏感 fields
 * need the grant and a live authorisation, whoever of the two signed it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type AuthorisationTerms,
  type Delegation,
  type DelegationTerms,
  type Grant,
  type Page,
  type RequestDecisionResult,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import {
  anchor,
  createWorld,
  DAY,
  entry,
  HEALTH,
  HOUR,
  MARKET,
  ok,
  refused,
  shareRequest,
  T0,
  type World,
} from './world.js';
import { expectNoPlaintext, newKey, pseudonym, signed, type SubjectKey } from './subjects.js';

/** Real-shaped 统一社会信用代码 (valid check characters); none may ever appear on the ledger. */
const ENTERPRISE_ID = '91370102MA3CX5P4AM';
const OTHER_ENTERPRISE_ID = '92370102MA3D2JX7PF';
const ENTERPRISE = pseudonym('enterprise', ENTERPRISE_ID);
const OTHER_ENTERPRISE = pseudonym('enterprise', OTHER_ENTERPRISE_ID);
const CITIZEN = pseudonym('person', '370102198001011234');

/** 企业年报: the subject column is the USCC; revenue and employees are 企业敏感. */
const ENTRY = 'AMR-ANNUAL';
const OTHER_ENTRY = 'AMR-PENALTY';
const ANNUAL_FIELDS = [
  { name: 'uscc', nameZh: '统一社会信用代码', type: 'string', sensitivity: 'internal' },
  { name: 'name', nameZh: '企业名称', type: 'string', sensitivity: 'public' },
  {
    name: 'revenue',
    nameZh: '营业收入',
    type: 'number',
    sensitivity: 'sensitive',
    consent: 'enterprise',
  },
  {
    name: 'employees',
    nameZh: '从业人数',
    type: 'integer',
    sensitivity: 'sensitive',
    consent: 'enterprise',
  },
];

const iso = (ms: number) => new Date(ms).toISOString();

function terms(overrides: Partial<AuthorisationTerms> = {}): AuthorisationTerms {
  return {
    statement: SUBJECT_STATEMENTS.authorise,
    subject: ENTERPRISE,
    consumer: HEALTH,
    entries: [{ catalogId: ENTRY, fields: ['revenue', 'employees'] }],
    purpose: 'data_verification',
    matter: '公共场所卫生许可证核发（企业资质核验）',
    validFrom: iso(T0),
    validTo: iso(T0 + 7 * DAY),
    maxUses: 3,
    nonce: 'ent-0001-abc',
    ...overrides,
  };
}

function delegationTerms(agent: SubjectKey, overrides: Partial<DelegationTerms> = {}) {
  return {
    statement: SUBJECT_STATEMENTS.delegate,
    subject: ENTERPRISE,
    agentKey: agent.spki,
    scope: { acts: ['authorise', 'revoke', 'trail'], catalogIds: [ENTRY] },
    validFrom: iso(T0),
    validTo: iso(T0 + 30 * DAY),
    nonce: 'dlg-0001-abc',
    ...overrides,
  } satisfies DelegationTerms;
}

describe('enterprises as data subjects: legal representative and agents', () => {
  let w: World;
  let clerk: SigningIdentity;
  let legalRep: SubjectKey;
  let agent: SubjectKey;
  let delegation: Delegation;

  const bind = (subject: string, kind: string, key: SubjectKey, reason?: string, at = T0) =>
    w.h.submit(
      clerk,
      TX.consent.BindSubject,
      [JSON.stringify({ subject, kind, publicKey: key.spki, ...(reason ? { reason } : {}) })],
      { timestamp: at },
    );
  const delegate = (key: SubjectKey, t: DelegationTerms, at = T0) =>
    w.submit('healthConsumer', TX.consent.SubmitDelegation, [signed(key, t)], at);
  const submitAuth = (key: SubjectKey, t: AuthorisationTerms, at = T0 + HOUR) =>
    w.submit('healthConsumer', TX.consent.SubmitAuthorisation, [signed(key, t)], at);
  /** What the agent signs: the terms naming the delegation they sign under. */
  const asAgent = (overrides: Partial<AuthorisationTerms> = {}) =>
    terms({ delegationId: delegation.id, nonce: 'agent-0001', ...overrides });
  const revokeDelegation = (key: SubjectKey, id: string, at = T0 + 2 * HOUR) =>
    w.submit(
      'healthConsumer',
      TX.consent.RevokeDelegation,
      [
        signed(key, {
          statement: SUBJECT_STATEMENTS.undelegate,
          subject: ENTERPRISE,
          delegationId: id,
          at: iso(at),
        }),
      ],
      at,
    );
  const query = (authorisationId: string, at = T0 + 3 * HOUR) =>
    w.submit(
      'healthConsumer',
      TX.usage.RecordUse,
      [
        JSON.stringify({
          catalogId: ENTRY,
          datasetVersion: 1,
          action: 'query',
          fields: ['uscc', 'revenue', 'employees'],
          bytes: 80,
          deliveredDigest: null,
          purpose: 'data_verification',
          subject: ENTERPRISE,
          authorisationId,
        }),
      ],
      at,
    );

  beforeEach(async () => {
    w = await createWorld();
    ok(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
        MARKET,
        '{"verifies":["enterprise"]}',
      ]),
    );
    ok(await w.submit('marketAdmin', TX.governance.SetUserRoles, ['max', '["verifier"]']));
    clerk = await w.h.identity(MARKET, 'max');
    for (const [id, fields] of [
      [ENTRY, ANNUAL_FIELDS],
      [OTHER_ENTRY, ANNUAL_FIELDS],
    ] as const) {
      const json = entry(id, { name: '企业年度报告', fields, subjectField: 'uscc' });
      ok(
        await w.submit('marketPublisher', TX.catalog.CreateEntry, [JSON.stringify(json)], T0 - DAY),
      );
      ok(await w.submit('marketPublisher', TX.dataset.AnchorVersion, [anchor(id)], T0 - DAY));
    }
    const { request } = ok<RequestDecisionResult>(
      await w.submit('healthConsumer', TX.sharing.CreateRequest, [
        shareRequest(ENTRY, { fields: ['uscc', 'name', 'revenue', 'employees'] }),
      ]),
    );
    const decided = ok<RequestDecisionResult>(
      await w.submit('marketPublisher', TX.sharing.ApproveRequest, [
        request.id,
        '{"useLimit":null}',
      ]),
    );
    expect((decided.grant as Grant).consumer).toBe(HEALTH);
    legalRep = newKey();
    agent = newKey();
    ok(await bind(ENTERPRISE, 'enterprise', legalRep));
    delegation = ok<Delegation>(await delegate(legalRep, delegationTerms(agent)));
  });

  it('lets the legal representative authorise with the enterprise’s bound key', async () => {
    const auth = ok<Authorisation>(await submitAuth(legalRep, terms()));
    expect(auth).toMatchObject({ kind: 'enterprise', subject: ENTERPRISE, bindingVersion: 1 });
    expect(ok<UsageRecord>(await query(auth.id))).toMatchObject({
      outcome: 'ALLOWED',
      subject: ENTERPRISE,
      authorisationId: auth.id,
    });
  });

  describe('delegations', () => {
    it('stores the legal representative’s signed delegation to an agent', async () => {
      expect(delegation).toMatchObject({
        subject: ENTERPRISE,
        bindingVersion: 1,
        revocation: null,
        submittedBy: { department: HEALTH, user: 'hugo' },
      });
      expect(delegation.id).toMatch(/^DLG-[0-9a-f]{64}$/);
      expect(delegation.agentKeyId).toMatch(/^[0-9a-f]{64}$/);
      expect(delegation.agentKeyId).not.toBe(delegation.keyId);
      const read = ok<Delegation>(
        await w.evaluate('marketConsumer', TX.consent.GetDelegation, [delegation.id]),
      );
      expect(read).toEqual(delegation);
      const event = await w.submit(
        'healthConsumer',
        TX.consent.SubmitDelegation,
        [signed(legalRep, delegationTerms(agent, { nonce: 'dlg-0002-abc' }))],
        T0,
      );
      expect(event.event?.name).toBe(EVENTS.DelegationSubmitted);
    });

    it('refuses a delegation not signed by the legal representative, a replay, a person’s, and bad terms', async () => {
      refused(
        await delegate(agent, delegationTerms(agent, { nonce: 'self-made-1' })),
        ErrorCode.SIGNATURE_INVALID,
        /legal representative/,
      );
      refused(await delegate(legalRep, delegationTerms(agent)), ErrorCode.DELEGATION_REPLAYED);
      refused(
        await delegate(legalRep, delegationTerms(agent, { subject: OTHER_ENTERPRISE })),
        ErrorCode.SUBJECT_NOT_BOUND,
      );
      const citizenKey = newKey();
      ok(
        await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
          MARKET,
          '{"verifies":["enterprise","person"]}',
        ]),
      );
      ok(await bind(CITIZEN, 'person', citizenKey));
      refused(
        await delegate(citizenKey, delegationTerms(agent, { subject: CITIZEN })),
        ErrorCode.INVALID_ARGUMENT,
        /only enterprises/,
      );
      refused(
        await delegate(legalRep, delegationTerms(legalRep, { nonce: 'own-key-01' })),
        ErrorCode.INVALID_ARGUMENT,
        /key of their own/,
      );
      refused(
        await delegate(legalRep, { ...delegationTerms(agent), agentKey: 'AAAA' }),
        ErrorCode.INVALID_ARGUMENT,
        /agentKey/,
      );
      refused(
        await delegate(
          legalRep,
          delegationTerms(agent, {
            nonce: 'late-000001',
            validFrom: iso(T0 - 3 * DAY),
            validTo: iso(T0 - DAY),
          }),
        ),
        ErrorCode.DELEGATION_NOT_LIVE,
      );
      refused(
        await delegate(
          legalRep,
          delegationTerms(agent, {
            nonce: 'unknown-0001',
            scope: { acts: ['authorise'], catalogIds: ['AMR-NOPE'] },
          }),
        ),
        ErrorCode.CATALOG_NOT_FOUND,
      );
      refused(
        await delegate(
          legalRep,
          delegationTerms(agent, { nonce: 'no-acts-001', scope: { acts: [], catalogIds: null } }),
        ),
        ErrorCode.INVALID_ARGUMENT,
        /scope\.acts/,
      );
    });
  });

  describe('an agent signing for the enterprise', () => {
    it('authorises under a live delegation; the use needs the grant and counts against it', async () => {
      const auth = ok<Authorisation>(await submitAuth(agent, asAgent()));
      expect(auth).toMatchObject({
        subject: ENTERPRISE,
        kind: 'enterprise',
        keyId: delegation.agentKeyId,
        bindingVersion: 1,
      });
      expect(auth.terms.delegationId).toBe(delegation.id);
      expect(ok<UsageRecord>(await query(auth.id))).toMatchObject({
        outcome: 'ALLOWED',
        authorisationId: auth.id,
      });
    });

    it('refuses an agent’s signature without a delegation, a forged or foreign one', async () => {
      refused(
        await submitAuth(agent, terms({ nonce: 'no-dlg-0001' })),
        ErrorCode.SIGNATURE_INVALID,
      );
      refused(
        await submitAuth(newKey(), asAgent()),
        ErrorCode.SIGNATURE_INVALID,
        /agent's signature/,
      );
      refused(
        await submitAuth(agent, asAgent({ delegationId: 'DLG-unknown' })),
        ErrorCode.DELEGATION_NOT_FOUND,
      );
      const otherKey = newKey();
      ok(await bind(OTHER_ENTERPRISE, 'enterprise', otherKey));
      refused(
        await submitAuth(agent, asAgent({ subject: OTHER_ENTERPRISE })),
        ErrorCode.DELEGATION_OUT_OF_SCOPE,
        /another subject/,
      );
    });

    it('holds the agent to the delegation’s acts, entries and period', async () => {
      refused(
        await submitAuth(
          agent,
          asAgent({ entries: [{ catalogId: OTHER_ENTRY, fields: ['revenue'] }] }),
        ),
        ErrorCode.DELEGATION_OUT_OF_SCOPE,
        /AMR-PENALTY/,
      );
      refused(
        await submitAuth(agent, asAgent({ validTo: iso(T0 + 31 * DAY) })),
        ErrorCode.DELEGATION_OUT_OF_SCOPE,
        /beyond/,
      );
      const readOnly = ok<Delegation>(
        await delegate(
          legalRep,
          delegationTerms(agent, {
            nonce: 'trail-only-1',
            scope: { acts: ['trail'], catalogIds: null },
          }),
        ),
      );
      refused(
        await submitAuth(agent, asAgent({ delegationId: readOnly.id })),
        ErrorCode.DELEGATION_OUT_OF_SCOPE,
        /not authorise/,
      );
      const later = ok<Delegation>(
        await delegate(
          legalRep,
          delegationTerms(agent, {
            nonce: 'from-later-1',
            validFrom: iso(T0 + 2 * DAY),
            validTo: iso(T0 + 9 * DAY),
          }),
        ),
      );
      refused(
        await submitAuth(agent, asAgent({ delegationId: later.id })),
        ErrorCode.DELEGATION_NOT_LIVE,
        /valid from/,
      );
      refused(
        await submitAuth(agent, asAgent({ validTo: iso(T0 + 30 * DAY) }), T0 + 31 * DAY),
        ErrorCode.DELEGATION_NOT_LIVE,
        /ended/,
      );
    });

    it('revokes an authorisation and reads the enterprise’s trail within the delegation', async () => {
      const auth = ok<Authorisation>(await submitAuth(legalRep, terms()));
      ok(await query(auth.id));
      const at = T0 + 4 * HOUR;
      const trail = signed(agent, {
        statement: SUBJECT_STATEMENTS.trail,
        subject: ENTERPRISE,
        at: iso(at),
        delegationId: delegation.id,
      });
      const uses = ok<Page<UsageRecord>>(
        await w.evaluate(
          'healthConsumer',
          TX.consent.ListUsesBySubject,
          [ENTERPRISE, trail, '', ''],
          at,
        ),
      );
      expect(uses.items.map((u) => u.authorisationId)).toEqual([auth.id]);
      const delegations = ok<Page<Delegation>>(
        await w.evaluate(
          'healthConsumer',
          TX.consent.ListDelegationsBySubject,
          [ENTERPRISE, trail, '', ''],
          at,
        ),
      );
      expect(delegations.items.map((d) => d.id)).toEqual([delegation.id]);
      const revoked = ok<Authorisation>(
        await w.submit(
          'healthConsumer',
          TX.consent.RevokeAuthorisation,
          [
            signed(agent, {
              statement: SUBJECT_STATEMENTS.revoke,
              subject: ENTERPRISE,
              authorisationId: auth.id,
              at: iso(at),
              delegationId: delegation.id,
            }),
          ],
          at,
        ),
      );
      expect(revoked.revocation?.statement.payload.delegationId).toBe(delegation.id);
      expect(ok<UsageRecord>(await query(auth.id, at + HOUR))).toMatchObject({
        outcome: 'DENIED',
        denialCode: ErrorCode.AUTHORISATION_REVOKED,
      });
    });
  });

  describe('revoking a delegation, replacing the legal representative', () => {
    it('is the legal representative’s signed act; it voids what the agent signed under it', async () => {
      const byAgent = ok<Authorisation>(await submitAuth(agent, asAgent()));
      const byLegalRep = ok<Authorisation>(await submitAuth(legalRep, terms()));
      refused(await revokeDelegation(agent, delegation.id), ErrorCode.SIGNATURE_INVALID);
      const revoked = ok<Delegation>(await revokeDelegation(legalRep, delegation.id));
      expect(revoked.revocation?.at).toBe(iso(T0 + 2 * HOUR));
      refused(await revokeDelegation(legalRep, delegation.id), ErrorCode.INVALID_STATE);
      refused(
        await submitAuth(agent, asAgent({ nonce: 'after-revoke' }), T0 + 3 * HOUR),
        ErrorCode.DELEGATION_NOT_LIVE,
        /revoked/,
      );
      expect(ok<UsageRecord>(await query(byAgent.id))).toMatchObject({
        outcome: 'DENIED',
        denialCode: ErrorCode.AUTHORISATION_DELEGATION_REVOKED,
        subject: ENTERPRISE,
      });
      expect(ok<UsageRecord>(await query(byLegalRep.id))).toMatchObject({ outcome: 'ALLOWED' });
    });

    it('a new legal representative’s key voids the old delegations and their authorisations', async () => {
      const byAgent = ok<Authorisation>(await submitAuth(agent, asAgent()));
      const newRep = newKey();
      ok(await bind(ENTERPRISE, 'enterprise', newRep, '法定代表人变更', T0 + 2 * HOUR));
      refused(
        await submitAuth(agent, asAgent({ nonce: 'after-rebind' }), T0 + 3 * HOUR),
        ErrorCode.DELEGATION_NOT_LIVE,
        /replaced/,
      );
      expect(ok<UsageRecord>(await query(byAgent.id))).toMatchObject({
        outcome: 'DENIED',
        denialCode: ErrorCode.AUTHORISATION_KEY_REPLACED,
      });
      // The new legal representative delegates afresh.
      const fresh = ok<Delegation>(
        await delegate(newRep, delegationTerms(agent, { nonce: 'dlg-new-rep' }), T0 + 3 * HOUR),
      );
      expect(fresh.bindingVersion).toBe(2);
      const auth = ok<Authorisation>(
        await submitAuth(agent, asAgent({ delegationId: fresh.id }), T0 + 3 * HOUR),
      );
      expect(ok<UsageRecord>(await query(auth.id, T0 + 4 * HOUR)).outcome).toBe('ALLOWED');
    });
  });

  it('keeps no 统一社会信用代码 in any key, value or history on the ledger', async () => {
    const auth = ok<Authorisation>(await submitAuth(agent, asAgent()));
    ok(await query(auth.id));
    ok(await revokeDelegation(legalRep, delegation.id, T0 + 4 * HOUR));
    await expectNoPlaintext(w, [ENTERPRISE_ID, OTHER_ENTERPRISE_ID]);
    expect(
      (await w.h.state.get(`\u0000delegation\u0000${delegation.id}\u0000`))?.value,
    ).toBeDefined();
  });
});
