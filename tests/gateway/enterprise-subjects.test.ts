/**
 * API acceptance for enterprises as data subjects (企业数据授权使用): market regulation binds the
 * legal representative's (法定代表人) key to the enterprise after checking its 统一社会信用代码
 * (a code whose check character does not hold is refused USCC_INVALID); the legal representative
 * delegates to an agent (经办人); the agent authorises health to verify the enterprise's annual
 * report; health gets only that enterprise's row; revoking the delegation voids the agent's
 * authorisation; the enterprise's trail shows the uses and the delegation.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type Delegation,
  type RequestDecisionResult,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { signedBy } from '../../gateway/src/demo/subjects.js';
import { openFixture, type Fixture } from './fixture.js';

/** Real-shaped codes whose check characters hold (GB 32100-2015), and one mistyped. */
const ENTERPRISE_ID = '91370102MA3CX5P4AM';
const NEIGHBOUR_ID = '92370102MA3D2JX7PF';
const MISTYPED_ID = '91370102MA3CX5P4AN';
const ENTRY = 'AMR-ANNUAL-001';
const REPORTS = [
  'uscc,name,revenue,employees',
  `${ENTERPRISE_ID},济南示例科技有限公司,12800000,86`,
  `${NEIGHBOUR_ID},历下区某某餐饮店,950000,7`,
].join('\n');

interface Key {
  privateKey: KeyObject;
  spki: string;
}
const newKey = (): Key => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
};

let f: Fixture;
let verifierToken: string;
let legalRep: Key;
let agent: Key;
let subject: string;
let delegation: Delegation;
let authorisation: Authorisation;

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  f.app.inject({ method: 'POST', url, payload, headers });
const code = (res: { json: <T>() => T }) => res.json<{ error: { code: string } }>().error.code;
const bind = (identifier: string, key: Key) =>
  post(
    '/api/v1/subjects/bindings',
    { kind: 'enterprise', identifier, publicKey: key.spki },
    { authorization: `Bearer ${verifierToken}` },
  );
const query = (identifier = ENTERPRISE_ID) =>
  post(
    '/api/v1/subjects/records',
    {
      catalogId: ENTRY,
      identifier,
      authorisationId: authorisation.id,
      purpose: 'data_verification',
    },
    f.auth('health', 'clerk'),
  );
const trail = (key: Key, delegationId?: string) =>
  post(
    `/api/v1/subjects/${subject}/trail`,
    signedBy(key.privateKey, {
      statement: SUBJECT_STATEMENTS.trail,
      subject,
      at: new Date().toISOString(),
      ...(delegationId ? { delegationId } : {}),
    }),
  );

beforeAll(async () => {
  f = await openFixture();
  const { chaincode, datasets, tokens } = f.runtime;
  const amrClerk = { department: 'amr', user: 'clerk' };
  await chaincode.submit({ department: 'amr', user: 'admin' }, TX.governance.SetUserRoles, [
    'vera',
    ['verifier'],
  ]);
  verifierToken = (await tokens.create({ department: 'amr', user: 'vera', roles: ['verifier'] }))
    .token;
  const field = (name: string, nameZh: string, type: string, consent?: 'enterprise') => ({
    name,
    nameZh,
    type,
    sensitivity: consent ? 'sensitive' : 'public',
    ...(consent ? { consent } : {}),
  });
  await chaincode.submit(amrClerk, TX.catalog.CreateEntry, [
    {
      id: ENTRY,
      name: '企业年度报告信息',
      classification: 'base',
      abstract: '企业年报中的营业收入、从业人数（企业敏感）',
      format: 'text/csv',
      fields: [
        field('uscc', '统一社会信用代码', 'string'),
        field('name', '企业名称', 'string'),
        field('revenue', '营业收入（元）', 'number', 'enterprise'),
        field('employees', '从业人数', 'integer', 'enterprise'),
      ],
      subjectField: 'uscc',
      shareType: 'conditional',
      shareConditions: '经企业授权，用于行政许可中的企业资质核验',
      legalBasis: null,
      shareMethods: ['online_query'],
      openness: 'not_open',
      updateFrequency: 'yearly',
      publishDate: '2026-01-05',
      relatedResources: [],
      sourceSystem: null,
      scenarios: ['企业资质核验'],
    },
  ]);
  await datasets.anchor(amrClerk, {
    catalogId: ENTRY,
    source: Readable.from([Buffer.from(REPORTS)]),
    mediaType: 'text/csv',
    reason: null,
    algorithm: 'sha256',
    maxBytes: 1 << 20,
  });
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const { value } = await chaincode.submit<RequestDecisionResult>(
    { department: 'health', user: 'clerk' },
    TX.sharing.CreateRequest,
    [
      {
        catalogId: ENTRY,
        fields: ['uscc', 'name', 'revenue', 'employees'],
        purpose: 'data_verification',
        scenario: '公共场所卫生许可：核验企业规模',
        period: { from: today, to: '2099-12-31' },
      },
    ],
  );
  await chaincode.submit(amrClerk, TX.sharing.ApproveRequest, [
    value.request.id,
    { useLimit: null, reason: null },
  ]);
  legalRep = newKey();
  agent = newKey();
}, 120_000);

afterAll(() => f.close());

describe('enterprises through the API', () => {
  it('refuses a 统一社会信用代码 whose check character, characters or length are wrong', async () => {
    for (const wrong of [
      MISTYPED_ID,
      '91370102MA3CX5P4I',
      '91370102MA3CX5P4AMX',
      '9137A102MA3CX5P4AM',
    ]) {
      const res = await bind(wrong, legalRep);
      expect(res.statusCode, wrong).toBe(400);
      expect(code(res), wrong).toBe('USCC_INVALID');
      expect(res.body).not.toContain(wrong);
    }
    const oCode = await bind('91370102MA3CX5P4OM', legalRep);
    expect(code(oCode)).toBe('USCC_INVALID');
    expect(oCode.json<{ error: { message: string } }>().error.message).toMatch(/'O'/);
  });

  it('binds the legal representative’s key to the enterprise, pseudonymised', async () => {
    const res = await bind(` ${ENTERPRISE_ID.toLowerCase()} `, legalRep);
    expect(res.statusCode, res.body).toBe(201);
    const binding = res.json<{ data: { subject: string; kind: string } }>().data;
    expect(binding.kind).toBe('enterprise');
    expect(res.body).not.toContain(ENTERPRISE_ID);
    subject = binding.subject;
    // The code as printed on the licence names the same pseudonym: bound already.
    const again = await bind(ENTERPRISE_ID, legalRep);
    expect(again.statusCode).toBe(409);
    expect(code(again)).toBe('ALREADY_EXISTS');
  });

  it('takes the legal representative’s signed delegation to an agent, without a token', async () => {
    const now = Date.now();
    const terms = {
      statement: SUBJECT_STATEMENTS.delegate,
      subject,
      agentKey: agent.spki,
      scope: { acts: ['authorise', 'trail'], catalogIds: [ENTRY] },
      validFrom: new Date(now - 60_000).toISOString(),
      validTo: new Date(now + 30 * 86_400_000).toISOString(),
      nonce: 'delegation-0001',
    };
    const byAgent = await post('/api/v1/subjects/delegations', signedBy(agent.privateKey, terms));
    expect(byAgent.statusCode).toBe(403);
    expect(code(byAgent)).toBe('SIGNATURE_INVALID');
    const res = await post('/api/v1/subjects/delegations', signedBy(legalRep.privateKey, terms));
    expect(res.statusCode, res.body).toBe(201);
    delegation = res.json<{ data: Delegation }>().data;
    expect(delegation).toMatchObject({ subject, bindingVersion: 1, revocation: null });
    const read = await f.app.inject(`/api/v1/subjects/delegations/${delegation.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json<Delegation>().agentKeyId).toBe(delegation.agentKeyId);
    const unknown = await f.app.inject('/api/v1/subjects/delegations/DLG-nothing');
    expect(code(unknown)).toBe('DELEGATION_NOT_FOUND');
  });

  it('lets the agent authorise health; health gets only that enterprise’s row', async () => {
    const now = Date.now();
    const terms = {
      statement: SUBJECT_STATEMENTS.authorise,
      subject,
      consumer: 'health',
      entries: [{ catalogId: ENTRY, fields: ['revenue', 'employees'] }],
      purpose: 'data_verification',
      matter: '公共场所卫生许可证核发（企业规模核验）',
      validFrom: new Date(now - 60_000).toISOString(),
      validTo: new Date(now + 7 * 86_400_000).toISOString(),
      maxUses: 5,
      nonce: 'agent-auth-0001',
      delegationId: delegation.id,
    };
    const beyond = await post(
      '/api/v1/subjects/authorisations',
      signedBy(agent.privateKey, {
        ...terms,
        validTo: new Date(now + 60 * 86_400_000).toISOString(),
      }),
    );
    expect(code(beyond)).toBe('DELEGATION_OUT_OF_SCOPE');
    const res = await post('/api/v1/subjects/authorisations', signedBy(agent.privateKey, terms));
    expect(res.statusCode, res.body).toBe(201);
    authorisation = res.json<{ data: Authorisation }>().data;
    expect(authorisation).toMatchObject({ kind: 'enterprise', keyId: delegation.agentKeyId });

    const answer = await query();
    expect(answer.statusCode, answer.body).toBe(200);
    const { records, usage } = answer.json<{
      records: { record: Record<string, unknown> }[];
      usage: UsageRecord;
    }>();
    expect(records.map((r) => r.record)).toEqual([
      { uscc: ENTERPRISE_ID, name: '济南示例科技有限公司', revenue: '12800000', employees: '86' },
    ]);
    expect(answer.body).not.toContain(NEIGHBOUR_ID);
    expect(usage).toMatchObject({ outcome: 'ALLOWED', subject, authorisationId: authorisation.id });
    const mistyped = await query(MISTYPED_ID);
    expect(mistyped.statusCode).toBe(400);
    expect(code(mistyped)).toBe('USCC_INVALID');
  });

  it('voids the agent’s authorisation when the legal representative revokes the delegation', async () => {
    const revoke = (key: Key) =>
      post(
        `/api/v1/subjects/delegations/${delegation.id}/revoke`,
        signedBy(key.privateKey, {
          statement: SUBJECT_STATEMENTS.undelegate,
          subject,
          delegationId: delegation.id,
          at: new Date().toISOString(),
        }),
      );
    expect(code(await revoke(agent))).toBe('SIGNATURE_INVALID');
    const res = await revoke(legalRep);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ data: Delegation }>().data.revocation).not.toBeNull();
    const refused = await query();
    expect(refused.statusCode).toBe(403);
    expect(code(refused)).toBe('AUTHORISATION_DELEGATION_REVOKED');
    expect(refused.body).not.toContain('12800000');
  });

  it('shows the enterprise its trail: both uses and the delegation; the agent no longer reads it', async () => {
    const res = await trail(legalRep);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      uses: UsageRecord[];
      authorisations: Authorisation[];
      delegations: Delegation[];
    }>();
    expect(body.uses.map((u) => [u.outcome, u.denialCode])).toEqual([
      ['DENIED', 'AUTHORISATION_DELEGATION_REVOKED'],
      ['ALLOWED', null],
    ]);
    expect(body.authorisations.map((a) => a.id)).toEqual([authorisation.id]);
    expect(body.delegations.map((d) => [d.id, d.revocation !== null])).toEqual([
      [delegation.id, true],
    ]);
    const byAgent = await trail(agent, delegation.id);
    expect(byAgent.statusCode).toBe(403);
    expect(code(byAgent)).toBe('DELEGATION_NOT_LIVE');
  });
});
