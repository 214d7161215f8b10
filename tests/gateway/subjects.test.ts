/**
 * API acceptance for data subjects (个人和企业数据授权使用): a citizen's key is bound at public
 * security's counter; the citizen authorises health to use their birth record for one
 * verification; health queries it (在线查询) and gets only that record, with a record proof that
 * verifies offline; a second query is refused and recorded; the citizen sees both in their trail.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type RequestDecisionResult,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import { verifyBundle, type ProofBundle } from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import { disclosedRecord, type SelectiveRecordProof } from '@shulian/proof/records';
import {
  BIRTH_HEADER,
  birthRecordsEntry,
  birthRecordsRequest,
} from '../../gateway/src/demo/subjects.js';
import { openFixture, type Fixture } from './fixture.js';

const CITIZEN_ID = '370102202601015678';
const ENTRY = 'PSB-BIRTH-001';
const BIRTHS = [
  BIRTH_HEADER,
  '370102202512310011,张一,2025-12-31,市妇幼保健院',
  `${CITIZEN_ID},李小明,2026-01-01,市第一人民医院`,
  '370102202601020022,王二,2026-01-02,市妇幼保健院',
].join('\n');

let f: Fixture;
let citizen: { privateKey: KeyObject; spki: string };
let subject: string;
let authorisation: Authorisation;
let verifierToken: string;

const signed = <T>(payload: T) => ({
  payload,
  signature: sign('sha256', canonicalBytes(payload), {
    key: citizen.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64'),
});
const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  f.app.inject({ method: 'POST', url, payload, headers });
const query = () =>
  post(
    '/api/v1/subjects/records',
    {
      catalogId: ENTRY,
      identifier: CITIZEN_ID,
      authorisationId: authorisation.id,
      purpose: 'data_verification',
    },
    f.auth('health', 'clerk'),
  );

beforeAll(async () => {
  f = await openFixture();
  const { chaincode, datasets, tokens } = f.runtime;
  const psbClerk = { department: 'psb', user: 'clerk' };
  await chaincode.submit({ department: 'psb', user: 'admin' }, TX.governance.SetUserRoles, [
    'vera',
    ['verifier'],
  ]);
  verifierToken = (await tokens.create({ department: 'psb', user: 'vera', roles: ['verifier'] }))
    .token;
  await chaincode.submit(psbClerk, TX.catalog.CreateEntry, [birthRecordsEntry(ENTRY)]);
  await datasets.anchor(psbClerk, {
    catalogId: ENTRY,
    source: Readable.from([Buffer.from(BIRTHS)]),
    mediaType: 'text/csv',
    reason: null,
    algorithm: 'sha256',
    maxBytes: 1 << 20,
  });
  const { value } = await chaincode.submit<RequestDecisionResult>(
    { department: 'health', user: 'clerk' },
    TX.sharing.CreateRequest,
    [birthRecordsRequest(ENTRY)],
  );
  await chaincode.submit(psbClerk, TX.sharing.ApproveRequest, [
    value.request.id,
    { useLimit: null, reason: null },
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  citizen = {
    privateKey,
    spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}, 120_000);

afterAll(() => f.close());

describe('data subjects through the API', () => {
  it('binds the citizen’s key at the counter, pseudonymised, by a verifier only', async () => {
    const body = { kind: 'person', identifier: CITIZEN_ID, publicKey: citizen.spki };
    const refused = await post('/api/v1/subjects/bindings', body, f.auth('psb', 'clerk'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN_ROLE');
    const res = await post('/api/v1/subjects/bindings', body, {
      authorization: `Bearer ${verifierToken}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    const binding = res.json<{ data: { subject: string; kind: string } }>().data;
    expect(binding.subject).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body).not.toContain(CITIZEN_ID);
    subject = binding.subject;
    const read = await f.app.inject(`/api/v1/subjects/${subject}/binding`);
    expect(read.json<{ publicKey: string }>().publicKey).toBe(citizen.spki);
  });

  it('takes the citizen’s signed authorisation without a token, and refuses a tampered one', async () => {
    const now = Date.now();
    const terms = {
      statement: SUBJECT_STATEMENTS.authorise,
      subject,
      consumer: 'health',
      entries: [{ catalogId: ENTRY, fields: ['child_name', 'birth_date'] }],
      purpose: 'data_verification',
      matter: '出生医学证明核验（户口登记）',
      validFrom: new Date(now - 60_000).toISOString(),
      validTo: new Date(now + 86_400_000).toISOString(),
      maxUses: 1,
      nonce: 'acceptance-0001',
    };
    const good = signed(terms);
    const tampered = await post('/api/v1/subjects/authorisations', {
      ...good,
      payload: { ...terms, maxUses: 9 },
    });
    expect(tampered.statusCode).toBe(403);
    expect(tampered.json<{ error: { code: string } }>().error.code).toBe('SIGNATURE_INVALID');
    const res = await post('/api/v1/subjects/authorisations', good);
    expect(res.statusCode, res.body).toBe(201);
    authorisation = res.json<{ data: Authorisation }>().data;
    expect(authorisation).toMatchObject({ subject, useCount: 0, providers: ['psb'] });
  });

  it('gives health only the citizen’s record, with a proof that verifies offline, once', async () => {
    const res = await query();
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<{
      usage: UsageRecord;
      records: { index: number; record: Record<string, unknown>; proof: unknown }[];
      proofs: string;
    }>();
    expect(answer.records).toHaveLength(1);
    const [found] = answer.records;
    expect(found?.record).toEqual({
      id_number: CITIZEN_ID,
      child_name: '李小明',
      birth_date: '2026-01-01',
      hospital: '市第一人民医院',
    });
    expect(res.body).not.toContain('张一');
    expect(answer.usage).toMatchObject({
      outcome: 'ALLOWED',
      action: 'query',
      subject,
      authorisationId: authorisation.id,
      consumer: { department: 'health' },
    });
    expect(answer.proofs).toBe('whole');
    const checked = await verifyBundle(found?.proof, f.runtime.trust, nodeProofCrypto, {
      kind: 'record',
      record: found?.record as never,
    });
    expect(checked.ok, JSON.stringify(checked)).toBe(true);

    const again = await query();
    expect(again.statusCode).toBe(403);
    const error = again.json<{ error: { code: string; details: { recorded: boolean } } }>().error;
    expect(error.code).toBe('AUTHORISATION_SPENT');
    expect(error.details.recorded).toBe(true);
  });

  it('shows the citizen both uses in their trail, as JSON and CSV, on a fresh signature', async () => {
    const statement = () =>
      signed({ statement: SUBJECT_STATEMENTS.trail, subject, at: new Date().toISOString() });
    const res = await post(`/api/v1/subjects/${subject}/trail`, statement());
    expect(res.statusCode, res.body).toBe(200);
    const trail = res.json<{ uses: UsageRecord[]; authorisations: Authorisation[] }>();
    expect(trail.uses.map((u) => [u.outcome, u.denialCode, u.consumer.department])).toEqual([
      ['DENIED', 'AUTHORISATION_SPENT', 'health'],
      ['ALLOWED', null, 'health'],
    ]);
    expect(trail.authorisations.map((a) => [a.id, a.useCount])).toEqual([[authorisation.id, 1]]);
    const csv = await post(`/api/v1/subjects/${subject}/trail?format=csv`, statement());
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv.body).toContain('AUTHORISATION_SPENT');
    const stale = await post(
      `/api/v1/subjects/${subject}/trail`,
      signed({
        statement: SUBJECT_STATEMENTS.trail,
        subject,
        at: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    );
    expect(stale.statusCode).toBe(403);
  });

  it('lets a supervisor audit by authorisation, and not another department', async () => {
    const url = `/api/v1/subjects/authorisations/${authorisation.id}/uses`;
    const audit = await f.app.inject({ url, headers: f.auth('coord', 'auditor') });
    expect(audit.json<{ items: UsageRecord[] }>().items).toHaveLength(2);
    const amr = await f.app.inject({ url, headers: f.auth('amr', 'clerk') });
    expect(amr.statusCode).toBe(403);
  });

  it('limits a query to the fields the authorisation names: only those open, the proof still verifies offline', async () => {
    const now = Date.now();
    const terms = {
      statement: SUBJECT_STATEMENTS.authorise,
      subject,
      consumer: 'health',
      entries: [{ catalogId: ENTRY, fields: ['birth_date'] }],
      purpose: 'data_verification',
      matter: '出生日期核验',
      validFrom: new Date(now - 60_000).toISOString(),
      validTo: new Date(now + 86_400_000).toISOString(),
      maxUses: 1,
      nonce: 'acceptance-0002',
    };
    const submitted = await post('/api/v1/subjects/authorisations', signed(terms));
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json<{ data: Authorisation }>().data;
    const ask = (fields: string[]) =>
      post(
        '/api/v1/subjects/records',
        {
          catalogId: ENTRY,
          identifier: CITIZEN_ID,
          authorisationId: id,
          fields,
          purpose: 'data_verification',
        },
        f.auth('health', 'clerk'),
      );
    // A consent field the authorisation does not name is refused (and recorded), not narrowed.
    const beyond = await ask(['birth_date', 'child_name']);
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json<{ error: { code: string } }>().error.code).toBe('AUTHORISATION_FIELDS');
    expect(beyond.body).not.toContain('李小明');

    const res = await ask(['birth_date']);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<{
      records: { record: Record<string, unknown>; proof: ProofBundle }[];
      proofs: string;
    }>();
    expect(answer.proofs).toBe('selective');
    expect(answer.records.map((r) => r.record)).toEqual([{ birth_date: '2026-01-01' }]);
    for (const hidden of ['李小明', '市第一人民医院', CITIZEN_ID])
      expect(res.body).not.toContain(hidden);
    const proof = answer.records[0]!.proof;
    const { record, withheld } = disclosedRecord(
      (proof.subject as { proof: SelectiveRecordProof }).proof,
    );
    expect(record).toEqual({ birth_date: '2026-01-01' });
    expect([...withheld].sort()).toEqual(['child_name', 'hospital', 'id_number']);
    // Offline: only the bundle, the disclosed field and the trust file.
    const trust = JSON.parse(JSON.stringify(f.runtime.trust)) as unknown;
    expect(
      await verifyBundle(JSON.parse(JSON.stringify(proof)), trust, nodeProofCrypto, {
        kind: 'record',
        record,
      }),
    ).toMatchObject({ ok: true });
    // A disclosed value changed after the fact no longer verifies.
    expect(
      await verifyBundle(proof, trust, nodeProofCrypto, {
        kind: 'record',
        record: { birth_date: '2026-01-02' },
      }),
    ).toMatchObject({ ok: false });
  });

  it('lets the citizen revoke with a signed statement', async () => {
    const res = await post(
      `/api/v1/subjects/authorisations/${authorisation.id}/revoke`,
      signed({
        statement: SUBJECT_STATEMENTS.revoke,
        subject,
        authorisationId: authorisation.id,
        at: new Date().toISOString(),
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ data: Authorisation }>().data.revocation).not.toBeNull();
  });
});
