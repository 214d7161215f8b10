/**
 * Data subjects and their signed authorisations (consent contract), and uses of consent fields
 * that need both the department grant and the subject's authorisation (usage contract). The
 * subject's keys are real P-256 keys; signatures are P1363, as WebCrypto makes them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type AuthorisationTerms,
  type Grant,
  type HistoryItem,
  type Page,
  type RequestDecisionResult,
  type SubjectBinding,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import {
  anchorVersion,
  COORD,
  createWorld,
  DAY,
  entry,
  FIELDS,
  HEALTH,
  HOUR,
  MARKET,
  ok,
  PSB,
  publishEntry,
  refused,
  shareRequest,
  T0,
  type World,
} from './world.js';
import { expectNoPlaintext, newKey, pseudonym, signed, type SubjectKey } from './subjects.js';

/** The plaintext identifiers of this test: none may ever appear on the ledger. */
const CITIZEN_ID = '370102201801012345';
const OTHER_ID = '37010219900307002X';
const ENTERPRISE_ID = '91370100MA3C4XY21E';
const CITIZEN = pseudonym('person', CITIZEN_ID);
const OTHER = pseudonym('person', OTHER_ID);
const ENTERPRISE = pseudonym('enterprise', ENTERPRISE_ID);

/** 出生医学证明 rows: the subject column is the ID number; name and birth date need consent. */
const BIRTH_FIELDS = [
  { ...FIELDS[0], consent: undefined },
  { ...FIELDS[1], consent: 'person' },
  { name: 'birth_date', type: 'date', sensitivity: 'sensitive', consent: 'person' },
  { name: 'hospital', type: 'string', sensitivity: 'internal' },
];
const ENTRY = 'PSB-BIRTH';

/** The citizen's statement revoking `authorisationId`, an hour after T0. */
const revocation = (authorisationId: string) => ({
  statement: SUBJECT_STATEMENTS.revoke,
  subject: CITIZEN,
  authorisationId,
  at: new Date(T0 + HOUR).toISOString(),
});

function terms(overrides: Partial<AuthorisationTerms> = {}): AuthorisationTerms {
  return {
    statement: SUBJECT_STATEMENTS.authorise,
    subject: CITIZEN,
    consumer: HEALTH,
    entries: [{ catalogId: ENTRY, fields: ['name', 'birth_date'] }],
    purpose: 'data_verification',
    matter: '出生医学证明核验（户口登记）',
    validFrom: new Date(T0).toISOString(),
    validTo: new Date(T0 + 7 * DAY).toISOString(),
    maxUses: 1,
    nonce: 'n-0001-abcdef',
    ...overrides,
  };
}

describe('data subjects and their authorisations', () => {
  let w: World;
  let verifier: SigningIdentity;
  let citizenKey: SubjectKey;
  let healthGrant: Grant;

  const bind = (subject: string, kind: string, key: SubjectKey, reason?: string, at = T0) =>
    w.h.submit(
      verifier,
      TX.consent.BindSubject,
      [JSON.stringify({ subject, kind, publicKey: key.spki, ...(reason ? { reason } : {}) })],
      { timestamp: at },
    );
  const submitAuth = (key: SubjectKey, t: AuthorisationTerms, at = T0) =>
    w.submit('healthConsumer', TX.consent.SubmitAuthorisation, [signed(key, t)], at);
  const query = (
    overrides: Record<string, unknown> = {},
    at = T0 + HOUR,
    user = 'healthConsumer',
  ) =>
    w.submit(
      user as 'healthConsumer',
      TX.usage.RecordUse,
      [
        JSON.stringify({
          catalogId: ENTRY,
          datasetVersion: 1,
          action: 'query',
          fields: ['id_number', 'name', 'birth_date'],
          bytes: 120,
          deliveredDigest: null,
          purpose: 'data_verification',
          subject: CITIZEN,
          ...overrides,
        }),
      ],
      at,
    );
  const getAuth = async (id: string) =>
    ok<Authorisation>(await w.evaluate('supervisor', TX.consent.GetAuthorisation, [id], T0 + HOUR));

  beforeEach(async () => {
    w = await createWorld();
    // Public security verifies persons (real-name check), market regulation enterprises.
    ok(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
        PSB,
        '{"verifies":["person"]}',
      ]),
    );
    ok(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
        MARKET,
        '{"verifies":["enterprise"]}',
      ]),
    );
    verifier = await w.h.identity(PSB, 'vera');
    ok(await w.submit('psbAdmin', TX.governance.SetUserRoles, ['vera', '["verifier"]']));
    await publishEntry(w, ENTRY, {
      name: '出生医学证明信息',
      fields: BIRTH_FIELDS,
      subjectField: 'id_number',
    });
    await anchorVersion(w, ENTRY);
    const { request } = ok<RequestDecisionResult>(
      await w.submit('healthConsumer', TX.sharing.CreateRequest, [
        shareRequest(ENTRY, { fields: ['id_number', 'name', 'birth_date', 'hospital'] }),
      ]),
    );
    const decided = ok<RequestDecisionResult>(
      await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{"useLimit":null}']),
    );
    healthGrant = decided.grant as Grant;
    citizenKey = newKey();
    ok(await bind(CITIZEN, 'person', citizenKey));
  });

  describe('binding', () => {
    it('binds a key for a department that verifies persons, holding nothing personal', async () => {
      const b = ok<SubjectBinding>(
        await w.evaluate('marketConsumer', TX.consent.GetSubjectBinding, [CITIZEN]),
      );
      expect(b).toMatchObject({
        subject: CITIZEN,
        kind: 'person',
        publicKey: citizenKey.spki,
        version: 1,
        reason: null,
        boundBy: { department: PSB, user: 'vera' },
      });
      expect(b.keyId).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses a department that does not verify that kind, and a clerk without the role', async () => {
      refused(
        await bind(ENTERPRISE, 'enterprise', newKey()),
        ErrorCode.FORBIDDEN_DEPARTMENT,
        /enterprise/,
      );
      const marketClerk = await w.h.identity(MARKET, 'max');
      ok(await w.submit('marketAdmin', TX.governance.SetUserRoles, ['max', '["verifier"]']));
      refused(
        await w.h.submit(marketClerk, TX.consent.BindSubject, [
          JSON.stringify({ subject: OTHER, kind: 'person', publicKey: newKey().spki }),
        ]),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      ok(
        await w.h.submit(marketClerk, TX.consent.BindSubject, [
          JSON.stringify({ subject: ENTERPRISE, kind: 'enterprise', publicKey: newKey().spki }),
        ]),
      );
      refused(
        await w.submit('psbPublisher', TX.consent.BindSubject, [
          JSON.stringify({ subject: OTHER, kind: 'person', publicKey: newKey().spki }),
        ]),
        ErrorCode.FORBIDDEN_ROLE,
      );
    });

    it('refuses keys that are not P-256', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64');
      refused(
        await bind(OTHER, 'person', { ...newKey(), spki: rsa }),
        ErrorCode.INVALID_ARGUMENT,
        /P-256/,
      );
      refused(
        await bind(OTHER, 'person', { ...newKey(), spki: 'AAAA' }),
        ErrorCode.INVALID_ARGUMENT,
        /SubjectPublicKeyInfo/,
      );
    });

    it('replaces a lost key only with a reason, keeping every binding in history', async () => {
      const newPhone = newKey();
      refused(
        await bind(CITIZEN, 'person', newPhone, undefined, T0 + HOUR),
        ErrorCode.REASON_REQUIRED,
      );
      refused(
        await bind(CITIZEN, 'person', citizenKey, '重复', T0 + HOUR),
        ErrorCode.ALREADY_EXISTS,
      );
      const replaced = ok<SubjectBinding>(
        await bind(CITIZEN, 'person', newPhone, '手机丢失', T0 + HOUR),
      );
      expect(replaced).toMatchObject({ version: 2, reason: '手机丢失', publicKey: newPhone.spki });
      const history = ok<HistoryItem<SubjectBinding>[]>(
        await w.evaluate('healthConsumer', TX.consent.GetSubjectBindingHistory, [CITIZEN]),
      );
      expect(history.map((h) => h.value?.publicKey)).toEqual([newPhone.spki, citizenKey.spki]);
    });
  });

  describe('authorisations', () => {
    it('stores a correctly signed authorisation under the hash of its terms', async () => {
      const r = await submitAuth(citizenKey, terms());
      const a = ok<Authorisation>(r);
      expect(a).toMatchObject({
        subject: CITIZEN,
        kind: 'person',
        terms: terms(),
        bindingVersion: 1,
        providers: [PSB],
        useCount: 0,
        revocation: null,
        submittedBy: { department: HEALTH, user: 'hugo' },
      });
      expect(a.id).toMatch(/^AUTH-[0-9a-f]{64}$/);
      expect(r.event).toEqual({ name: EVENTS.AuthorisationSubmitted, payload: a });
    });

    it('refuses tampered terms, a wrong key, a replay and an unbound subject', async () => {
      const t = terms();
      const honest = JSON.parse(signed(citizenKey, t)) as {
        payload: AuthorisationTerms;
        signature: string;
      };
      const tampered = JSON.stringify({ ...honest, payload: { ...t, maxUses: 100 } });
      refused(
        await w.submit('healthConsumer', TX.consent.SubmitAuthorisation, [tampered]),
        ErrorCode.SIGNATURE_INVALID,
      );
      refused(await submitAuth(newKey(), t), ErrorCode.SIGNATURE_INVALID);
      ok(await submitAuth(citizenKey, t));
      refused(await submitAuth(citizenKey, t, T0 + 1000), ErrorCode.AUTHORISATION_REPLAYED);
      refused(await submitAuth(citizenKey, terms({ subject: OTHER })), ErrorCode.SUBJECT_NOT_BOUND);
    });

    it('refuses terms naming fields the entry does not have, or already ended', async () => {
      refused(
        await submitAuth(
          citizenKey,
          terms({ entries: [{ catalogId: ENTRY, fields: ['salary'] }] }),
        ),
        ErrorCode.FIELD_NOT_IN_CATALOG,
      );
      refused(
        await submitAuth(citizenKey, terms({ nonce: 'late-000001' }), T0 + 8 * DAY),
        ErrorCode.AUTHORISATION_EXPIRED,
      );
      refused(
        await submitAuth(citizenKey, terms({ validTo: new Date(T0 - DAY).toISOString() })),
        ErrorCode.INVALID_ARGUMENT,
        /validTo must be after validFrom/,
      );
    });

    it('is revoked only by the subject’s signed statement', async () => {
      const a = ok<Authorisation>(await submitAuth(citizenKey, terms()));
      const revoke = revocation(a.id);
      refused(
        await w.submit(
          'psbConsumer',
          TX.consent.RevokeAuthorisation,
          [signed(newKey(), revoke)],
          T0 + HOUR,
        ),
        ErrorCode.SIGNATURE_INVALID,
      );
      // A signature over the authorisation is not a signature over a revocation.
      refused(
        await w.submit(
          'psbConsumer',
          TX.consent.RevokeAuthorisation,
          [JSON.stringify({ payload: revoke, signature: a.signature })],
          T0 + HOUR,
        ),
        ErrorCode.SIGNATURE_INVALID,
      );
      const r = await w.submit(
        'psbConsumer',
        TX.consent.RevokeAuthorisation,
        [signed(citizenKey, revoke)],
        T0 + HOUR,
      );
      const revoked = ok<Authorisation>(r);
      expect(revoked.revocation).toMatchObject({
        at: new Date(T0 + HOUR).toISOString(),
        submittedBy: { department: PSB },
      });
      expect(r.event?.name).toBe(EVENTS.AuthorisationRevoked);
      refused(
        await w.submit(
          'psbConsumer',
          TX.consent.RevokeAuthorisation,
          [signed(citizenKey, revoke)],
          T0 + 2 * HOUR,
        ),
        ErrorCode.INVALID_STATE,
      );
    });

    it('is read by its consumer, its providers and oversight only', async () => {
      const a = ok<Authorisation>(await submitAuth(citizenKey, terms()));
      ok(await w.evaluate('healthConsumer', TX.consent.GetAuthorisation, [a.id]));
      ok(await w.evaluate('psbConsumer', TX.consent.GetAuthorisation, [a.id]));
      refused(
        await w.evaluate('marketConsumer', TX.consent.GetAuthorisation, [a.id]),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
    });
  });

  describe('uses of consent fields', () => {
    let auth: Authorisation;
    beforeEach(async () => {
      auth = ok<Authorisation>(await submitAuth(citizenKey, terms()));
    });

    async function expectDenied(result: Awaited<ReturnType<typeof query>>, code: ErrorCode) {
      const u = ok<UsageRecord>(result);
      expect(u).toMatchObject({ outcome: 'DENIED', denialCode: code, bytes: 0 });
      // The refusal is on the ledger, readable by oversight, with its reason.
      expect(
        ok<UsageRecord>(await w.evaluate('supervisor', TX.usage.GetUse, [u.id], T0 + HOUR)),
      ).toEqual(u);
      return u;
    }

    it('allows a use with the grant and a live authorisation, counting both', async () => {
      const u = ok<UsageRecord>(await query({ authorisationId: auth.id }));
      expect(u).toMatchObject({
        outcome: 'ALLOWED',
        grantId: healthGrant.id,
        authorisationId: auth.id,
        subject: CITIZEN,
        fields: ['id_number', 'name', 'birth_date'],
        consumer: { department: HEALTH, user: 'hugo' },
      });
      expect((await getAuth(auth.id)).useCount).toBe(1);
      const grant = ok<Grant>(
        await w.evaluate('supervisor', TX.sharing.GetGrant, [healthGrant.id]),
      );
      expect(grant.useCount).toBe(1);
    });

    it('records a second use of a one-use authorisation as DENIED (spent)', async () => {
      ok(await query({ authorisationId: auth.id }));
      const u = await expectDenied(
        await query({ authorisationId: auth.id }, T0 + 2 * HOUR),
        ErrorCode.AUTHORISATION_SPENT,
      );
      expect(u).toMatchObject({ authorisationId: auth.id, subject: CITIZEN });
      expect((await getAuth(auth.id)).useCount).toBe(1);
    });

    it('needs an authorisation for consent fields, and none for the others', async () => {
      await expectDenied(await query(), ErrorCode.AUTHORISATION_REQUIRED);
      await expectDenied(await query({ subject: null }), ErrorCode.AUTHORISATION_REQUIRED);
      expect(ok<UsageRecord>(await query({ fields: ['id_number', 'hospital'] }))).toMatchObject({
        outcome: 'ALLOWED',
        authorisationId: null,
      });
    });

    it('needs the department grant as well: an authorisation alone is refused', async () => {
      const marketAuth = ok<Authorisation>(
        await submitAuth(citizenKey, terms({ consumer: MARKET, nonce: 'market-00001' })),
      );
      const u = await expectDenied(
        await query({ authorisationId: marketAuth.id }, T0 + HOUR, 'marketConsumer'),
        ErrorCode.GRANT_NOT_FOUND,
      );
      expect(u.subject).toBe(CITIZEN);
      expect((await getAuth(marketAuth.id)).useCount).toBe(0);
    });

    it('refuses another consumer’s, another subject’s, or an unknown authorisation', async () => {
      const marketAuth = ok<Authorisation>(
        await submitAuth(citizenKey, terms({ consumer: MARKET, nonce: 'market-00002' })),
      );
      await expectDenied(
        await query({ authorisationId: marketAuth.id }),
        ErrorCode.AUTHORISATION_NOT_HOLDER,
      );
      await expectDenied(
        await query({ authorisationId: auth.id, subject: OTHER }),
        ErrorCode.AUTHORISATION_SUBJECT_MISMATCH,
      );
      await expectDenied(
        await query({ authorisationId: 'AUTH-404' }),
        ErrorCode.AUTHORISATION_NOT_FOUND,
      );
    });

    it('refuses another purpose, uncovered fields, downloads, and times outside the period', async () => {
      // The grant says data verification; the subject agreed to work reference only.
      const otherPurpose = ok<Authorisation>(
        await submitAuth(citizenKey, terms({ purpose: 'work_reference', nonce: 'purpose-0001' })),
      );
      await expectDenied(
        await query({ authorisationId: otherPurpose.id }),
        ErrorCode.AUTHORISATION_PURPOSE_MISMATCH,
      );
      const nameOnly = ok<Authorisation>(
        await submitAuth(
          citizenKey,
          terms({ entries: [{ catalogId: ENTRY, fields: ['name'] }], nonce: 'name-only-01' }),
        ),
      );
      await expectDenied(
        await query({ authorisationId: nameOnly.id }),
        ErrorCode.AUTHORISATION_FIELDS,
      );
      await expectDenied(
        await query({ authorisationId: auth.id, action: 'download' }),
        ErrorCode.AUTHORISATION_REQUIRED,
      );
      await expectDenied(
        await query({ authorisationId: auth.id }, T0 + 8 * DAY),
        ErrorCode.AUTHORISATION_EXPIRED,
      );
      const later = ok<Authorisation>(
        await submitAuth(
          citizenKey,
          terms({ validFrom: new Date(T0 + 2 * DAY).toISOString(), nonce: 'later-000001' }),
        ),
      );
      await expectDenied(
        await query({ authorisationId: later.id }),
        ErrorCode.AUTHORISATION_NOT_YET_VALID,
      );
      expect((await getAuth(auth.id)).useCount).toBe(0);
    });

    it('refuses a revoked authorisation, and one signed with a replaced key', async () => {
      const revoke = revocation(auth.id);
      ok(
        await w.submit(
          'healthConsumer',
          TX.consent.RevokeAuthorisation,
          [signed(citizenKey, revoke)],
          T0 + HOUR,
        ),
      );
      await expectDenied(
        await query({ authorisationId: auth.id }, T0 + 2 * HOUR),
        ErrorCode.AUTHORISATION_REVOKED,
      );

      const second = ok<Authorisation>(
        await submitAuth(citizenKey, terms({ nonce: 'second-00001' })),
      );
      ok(await bind(CITIZEN, 'person', newKey(), '手机丢失', T0 + 2 * HOUR));
      await expectDenied(
        await query({ authorisationId: second.id }, T0 + 3 * HOUR),
        ErrorCode.AUTHORISATION_KEY_REPLACED,
      );
    });

    it('lets the owner department use its own data without an authorisation', async () => {
      expect(ok<UsageRecord>(await query({}, T0 + HOUR, 'psbConsumer'))).toMatchObject({
        outcome: 'ALLOWED',
        authorisationId: null,
      });
    });

    it('checks a use without recording or counting it', async () => {
      const height = w.h.height;
      const check = ok(
        await w.evaluate(
          'healthConsumer',
          TX.usage.CheckUse,
          [
            JSON.stringify({
              catalogId: ENTRY,
              datasetVersion: 1,
              action: 'query',
              fields: ['name'],
              bytes: null,
              deliveredDigest: null,
              purpose: null,
              subject: CITIZEN,
              authorisationId: auth.id,
            }),
          ],
          T0 + HOUR,
        ),
      );
      expect(check).toMatchObject({ allowed: true, authorisationId: auth.id });
      expect(w.h.height).toBe(height);
      expect((await getAuth(auth.id)).useCount).toBe(0);
    });
  });

  describe('trail', () => {
    const trailStatement = (key: SubjectKey, at: number, subject = CITIZEN) =>
      signed(key, { statement: SUBJECT_STATEMENTS.trail, subject, at: new Date(at).toISOString() });

    it('shows the subject every use of their data, allowed and refused, on a fresh signature', async () => {
      const auth = ok<Authorisation>(await submitAuth(citizenKey, terms()));
      const allowed = ok<UsageRecord>(await query({ authorisationId: auth.id }));
      const denied = ok<UsageRecord>(await query({ authorisationId: auth.id }, T0 + 2 * HOUR));
      const at = T0 + 3 * HOUR;
      const page = ok<Page<UsageRecord>>(
        await w.evaluate(
          'marketConsumer',
          TX.consent.ListUsesBySubject,
          [CITIZEN, trailStatement(citizenKey, at), '', ''],
          at,
        ),
      );
      expect(page.items.map((u) => [u.id, u.outcome]).sort()).toEqual(
        [
          [allowed.id, 'ALLOWED'],
          [denied.id, 'DENIED'],
        ].sort(),
      );
      const auths = ok<Page<Authorisation>>(
        await w.evaluate(
          'marketConsumer',
          TX.consent.ListAuthorisationsBySubject,
          [CITIZEN, trailStatement(citizenKey, at), '', ''],
          at,
        ),
      );
      expect(auths.items.map((a) => a.id)).toEqual([auth.id]);
      // Supervisors audit by authorisation without the subject's statement.
      const audit = ok<Page<UsageRecord>>(
        await w.evaluate('supervisor', TX.consent.ListUsesByAuthorisation, [auth.id, '', ''], at),
      );
      expect(audit.count).toBe(2);
      ok(await w.evaluate('supervisor', TX.consent.ListUsesBySubject, [CITIZEN, '', '', ''], at));
    });

    it('refuses a department without the subject, a stale statement and a foreign key', async () => {
      const at = T0 + HOUR;
      refused(
        await w.evaluate('healthConsumer', TX.consent.ListUsesBySubject, [CITIZEN, '', '', ''], at),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      refused(
        await w.evaluate(
          'healthConsumer',
          TX.consent.ListUsesBySubject,
          [CITIZEN, trailStatement(citizenKey, at - 10 * 60 * 1000), '', ''],
          at,
        ),
        ErrorCode.SIGNATURE_INVALID,
        /fresh/,
      );
      refused(
        await w.evaluate(
          'healthConsumer',
          TX.consent.ListUsesBySubject,
          [CITIZEN, trailStatement(newKey(), at), '', ''],
          at,
        ),
        ErrorCode.SIGNATURE_INVALID,
      );
      refused(
        await w.evaluate(
          'healthConsumer',
          TX.consent.ListUsesBySubject,
          [OTHER, trailStatement(citizenKey, at), '', ''],
          at,
        ),
        ErrorCode.AUTHORISATION_SUBJECT_MISMATCH,
      );
    });
  });

  it('catalog entries name their subject column exactly when fields need consent', async () => {
    refused(
      await w.submit('psbPublisher', TX.catalog.CreateEntry, [
        JSON.stringify(entry('PSB-X', { fields: BIRTH_FIELDS, subjectField: null })),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^subjectField must name/,
    );
    refused(
      await w.submit('psbPublisher', TX.catalog.CreateEntry, [
        JSON.stringify(entry('PSB-Y', { fields: BIRTH_FIELDS, subjectField: 'nope' })),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^subjectField/,
    );
  });

  it('keeps no plaintext identifier in any key, value or history on the ledger', async () => {
    const auth = ok<Authorisation>(await submitAuth(citizenKey, terms()));
    ok(await query({ authorisationId: auth.id }));
    ok(await query({ authorisationId: auth.id }, T0 + 2 * HOUR));
    ok(await bind(CITIZEN, 'person', newKey(), '手机丢失', T0 + 3 * HOUR));
    const marketClerk = await w.h.identity(MARKET, 'max');
    ok(await w.submit('marketAdmin', TX.governance.SetUserRoles, ['max', '["verifier"]']));
    ok(
      await w.h.submit(marketClerk, TX.consent.BindSubject, [
        JSON.stringify({ subject: ENTERPRISE, kind: 'enterprise', publicKey: newKey().spki }),
      ]),
    );
    await expectNoPlaintext(w, [CITIZEN_ID, OTHER_ID, ENTERPRISE_ID]);
    // The pseudonyms are there: the scan did look at the subject records.
    expect((await w.h.state.get(`\u0000subject\u0000${CITIZEN}\u0000`))?.value).toBeDefined();
  });

  it('registers departments that verify subjects through governance', async () => {
    const d = ok<{ verifies: string[] }>(
      await w.evaluate('healthConsumer', TX.governance.GetDepartment, [PSB]),
    );
    expect(d.verifies).toEqual(['person']);
    const c = ok<{ verifies: string[] }>(
      await w.evaluate('healthConsumer', TX.governance.GetDepartment, [COORD]),
    );
    expect(c.verifies).toEqual([]);
  });
});
