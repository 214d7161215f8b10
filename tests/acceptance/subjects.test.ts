/**
 * The data subject's side over real HTTP against a started server, on either engine (issue #17):
 * public security's verifier binds a citizen's P-256 key; the citizen signs an authorisation for
 * health to use their birth record for one verification; health's query (在线查询) gets only that
 * record, with the authorised fields and a record proof that verifies offline; a second query is
 * refused and recorded DENIED; the citizen's signed trail request shows both. The 身份证号 itself
 * appears in no ledger answer.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUBJECT_STATEMENTS,
  type Authorisation,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { verifyBundle } from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import {
  BIRTH_HEADER,
  BIRTH_PURPOSE,
  birthAuthorisationTerms,
  birthRecordsEntry,
  birthRecordsRequest,
  birthRow,
  idNumber,
  signedBy,
} from '../../gateway/src/demo/subjects.js';
import { code, IDENTITIES, startGateway, type Answer, type Gateway } from './gateway.js';

const ENTRY = 'PSB-BIRTH-9';
const CITIZEN = 1;
const CITIZEN_ID = idNumber(CITIZEN);

let gateway: Gateway;
let citizenKey: KeyObject;
let citizenSpki: string;
let subject: string;
let authorisation: Authorisation;
/** Every answer read from the ledger (through the gateway), checked for the 身份证号 at the end. */
const ledgerAnswers: unknown[] = [];

const api: Gateway['api'] = (...args) => gateway.api(...args);
const read = async <T>(
  who: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> => {
  const answer = await api<T>(who, method, path, body);
  ledgerAnswers.push(answer.body);
  return answer;
};
const query = () =>
  api<{
    usage: UsageRecord;
    records: { index: number; record: Record<string, unknown>; proof: unknown }[];
    proofs: string;
  }>('health', 'POST', '/api/v1/subjects/records', {
    catalogId: ENTRY,
    identifier: CITIZEN_ID,
    authorisationId: authorisation.id,
    purpose: BIRTH_PURPOSE,
  });
/** A statement signed in the citizen's key, as their digital safe signs it. */
const signed = <T>(payload: T) => signedBy(citizenKey, payload);

beforeAll(async () => {
  gateway = await startGateway([...IDENTITIES, ['vera', 'psb', 'vera', 'verifier']]);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  citizenKey = privateKey;
  citizenSpki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}, 90_000);

afterAll(() => gateway?.close());

// CLI calls start a node process each; on a loaded CI machine a step can take tens of seconds.
describe('the data subject over HTTP', { timeout: 120_000 }, () => {
  it('registers public security as verifier of persons, health, and their roles', async () => {
    // On Fabric the acceptance files share one network and the story registered both
    // departments first (tests/fabric/engine/acceptance.config.ts runs the files by name): then
    // the coordinator records what public security verifies instead.
    for (const [id, nameZh, nameEn, verifies] of [
      ['psb', '市公安局', 'Public Security', ['person']],
      ['health', '市卫生健康委员会', 'Health Commission', []],
    ] as const) {
      const profile = { nameZh, nameEn, level: 'city', parent: 'coord', verifies };
      const registered = await api('coordAdmin', 'POST', '/api/v1/departments', {
        id,
        ...profile,
      });
      if (registered.status === 409) {
        expect(code(registered)).toBe('ALREADY_EXISTS');
        const updated = await api('coordAdmin', 'PATCH', `/api/v1/departments/${id}`, {
          verifies,
        });
        expect(updated.status, JSON.stringify(updated.body)).toBe(200);
      } else expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    }
    for (const [admin, department, user, roles] of [
      ['psbAdmin', 'psb', 'clerk', ['publisher']],
      ['psbAdmin', 'psb', 'vera', ['verifier']],
      ['healthAdmin', 'health', 'clerk', ['consumer']],
      ['coordAdmin', 'coord', 'auditor', ['supervisor']],
    ] as const) {
      const r = await api(admin, 'PUT', `/api/v1/departments/${department}/users/${user}/roles`, {
        roles,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it('publishes the birth records, anchored record by record, and grants health', async () => {
    const created = await api('psb', 'POST', '/api/v1/catalog', birthRecordsEntry(ENTRY));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const file = join(gateway.dir, 'births.csv');
    await writeFile(
      file,
      [BIRTH_HEADER, birthRow(0), birthRow(CITIZEN), birthRow(2), ''].join('\n'),
    );
    const anchored = await gateway.cli([
      'anchor',
      file,
      '--catalog',
      ENTRY,
      '--url',
      gateway.base,
      '--token',
      gateway.tokens.psb!,
      '--json',
    ]);
    expect(anchored.code, anchored.out + anchored.err).toBe(0);
    const requested = await api<{ data: { request: { id: string } } }>(
      'health',
      'POST',
      '/api/v1/requests',
      birthRecordsRequest(ENTRY),
    );
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const approved = await api(
      'psb',
      'POST',
      `/api/v1/requests/${requested.body.data.request.id}/approve`,
      { reason: '户口登记核验' },
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  });

  it('binds the citizen’s key by public security’s verifier only, under a pseudonym', async () => {
    const body = { kind: 'person', identifier: CITIZEN_ID, publicKey: citizenSpki };
    const clerk = await api('psb', 'POST', '/api/v1/subjects/bindings', body);
    expect(clerk.status).toBe(403);
    expect(code(clerk)).toBe('FORBIDDEN_ROLE');
    const bound = await read<{
      data: { subject: string };
      tx: { txId: string; blockNumber: number };
    }>('vera', 'POST', '/api/v1/subjects/bindings', body);
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    subject = bound.body.data.subject;
    expect(subject).toMatch(/^[0-9a-f]{64}$/);
    const current = await read<{ publicKey: string }>(
      'public',
      'GET',
      `/api/v1/subjects/${subject}/binding`,
    );
    expect(current.body.publicKey).toBe(citizenSpki);
    // What the ledger holds of the binding: its transaction and its block.
    const tx = await read('auditor', 'GET', `/api/v1/ledger/transactions/${bound.body.tx.txId}`);
    expect(tx.status, JSON.stringify(tx.body)).toBe(200);
    const block = await read(
      'auditor',
      'GET',
      `/api/v1/ledger/blocks/${bound.body.tx.blockNumber}`,
    );
    expect(block.status, JSON.stringify(block.body)).toBe(200);
    expect(JSON.stringify(block.body)).toContain(bound.body.tx.txId);
  });

  it('takes the citizen’s signed authorisation for one use, and refuses a tampered one', async () => {
    const terms = birthAuthorisationTerms(subject, ENTRY, 1, `acceptance-${Date.now()}`);
    const good = signed(terms);
    const tampered = await api('public', 'POST', '/api/v1/subjects/authorisations', {
      ...good,
      payload: { ...terms, maxUses: 9 },
    });
    expect(tampered.status).toBe(403);
    expect(code(tampered)).toBe('SIGNATURE_INVALID');
    const stored = await read<{ data: Authorisation }>(
      'public',
      'POST',
      '/api/v1/subjects/authorisations',
      good,
    );
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    authorisation = stored.body.data;
    expect(authorisation).toMatchObject({ subject, useCount: 0, providers: ['psb'] });
  });

  it('gives health only the citizen’s record with a proof that verifies offline, once', async () => {
    const res = await query();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ledgerAnswers.push(res.body.usage);
    expect(res.body.records).toHaveLength(1);
    const [found] = res.body.records;
    const [, childName, birthDate, hospital] = birthRow(CITIZEN).split(',');
    expect(found?.record).toEqual({
      id_number: CITIZEN_ID,
      child_name: childName,
      birth_date: birthDate,
      hospital,
    });
    for (const other of [idNumber(0), idNumber(2)])
      expect(JSON.stringify(res.body)).not.toContain(other);
    expect(res.body.usage).toMatchObject({
      outcome: 'ALLOWED',
      action: 'query',
      subject,
      authorisationId: authorisation.id,
      consumer: { department: 'health' },
    });
    // Offline: only the bundle, the record and the trust file, each as JSON went over the wire.
    const trust = await api('public', 'GET', '/api/v1/ledger/trust');
    expect(trust.status).toBe(200);
    const checked = await verifyBundle(found?.proof, trust.body, nodeProofCrypto, {
      kind: 'record',
      record: found!.record as never,
    });
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    const altered = await verifyBundle(found?.proof, trust.body, nodeProofCrypto, {
      kind: 'record',
      record: { ...found!.record, birth_date: '2025-01-01' } as never,
    });
    expect(altered.ok).toBe(false);

    const again = await query();
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({
      error: { code: 'AUTHORISATION_SPENT', details: { recorded: true } },
    });
  });

  it('shows the citizen both uses in their signed trail', async () => {
    const trail = await read<{ uses: UsageRecord[]; authorisations: Authorisation[] }>(
      'public',
      'POST',
      `/api/v1/subjects/${subject}/trail`,
      signed({ statement: SUBJECT_STATEMENTS.trail, subject, at: new Date().toISOString() }),
    );
    expect(trail.status, JSON.stringify(trail.body)).toBe(200);
    expect(
      trail.body.uses.map((u) => [
        u.outcome,
        u.denialCode,
        u.consumer.department,
        u.authorisationId,
      ]),
    ).toEqual([
      ['DENIED', 'AUTHORISATION_SPENT', 'health', authorisation.id],
      ['ALLOWED', null, 'health', authorisation.id],
    ]);
    expect(trail.body.authorisations.map((a) => [a.id, a.useCount])).toEqual([
      [authorisation.id, 1],
    ]);
    const audit = await read<{ items: UsageRecord[] }>(
      'auditor',
      'GET',
      `/api/v1/subjects/authorisations/${authorisation.id}/uses`,
    );
    expect(audit.body.items).toHaveLength(2);
  });

  it('puts nothing personal on chain: the 身份证号 is in no ledger answer', () => {
    expect(ledgerAnswers.length).toBeGreaterThanOrEqual(8);
    for (const answer of ledgerAnswers) expect(JSON.stringify(answer)).not.toContain(CITIZEN_ID);
  });
});
