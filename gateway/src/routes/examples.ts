/**
 * The OpenAPI document's examples of the ledger's entities and of the main request bodies, written
 * against the chaincode's own types (a field added there fails to compile here) and telling one
 * story: public security's population entry, health's request for it to verify a birth
 * registration, the grant, a delivered download, an objection to a value, and a citizen's signed
 * authorisation to verify their child's birth record. The schemas carry them (`examples`); the
 * document's other examples are made from the schemas (openapi-examples.ts), and
 * tests/gateway/openapi-examples.test.ts checks every one against its schema and the signed ones
 * against their key.
 */
import type * as chaincode from '@shulian/chaincode/constants';
import { EVENTS, SUBJECT_STATEMENTS, TX as FUNCTIONS } from '@shulian/chaincode/constants';
import { DEMO_ENTRIES } from '../demo/seed.js';
import type { AuditAct } from '../index/acts.js';

const psbClerk: chaincode.Actor = { department: 'psb', user: 'clerk' };
const healthClerk: chaincode.Actor = { department: 'health', user: 'clerk' };
const coordAdmin: chaincode.Actor = { department: 'coord', user: 'admin' };

const TX = '3f9a2c41d07b5e86a1c4f2e09b7d3a5c8e61f04b29d7c35a0e8b16f4c2d9a7e05';
const REQUEST = 'REQ-3f9a2c41d07b5e86';
const GRANT = 'GRANT-7c1e5a9034bd62f8';
const SHA256 = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

export const department: chaincode.Department = {
  id: 'psb',
  nameZh: '市公安局',
  nameEn: 'Municipal Public Security Bureau',
  level: 'city',
  parent: null,
  verifies: ['person'],
  status: 'active',
  registeredAt: '2026-01-05T01:00:00.000Z',
  registeredBy: coordAdmin,
  updatedAt: '2026-01-05T01:00:00.000Z',
  updatedBy: coordAdmin,
};

/** The demo's population entry, as the ledger holds it once published. */
const population = DEMO_ENTRIES.find(({ entry }) => entry.id === 'PSB-POP-001')!.entry;
export const catalogEntry: chaincode.CatalogEntry = {
  ...population,
  subjectField: null,
  owner: 'psb',
  version: 1,
  status: 'active',
  changeReason: null,
  createdAt: '2026-01-06T02:00:00.000Z',
  createdBy: psbClerk,
  updatedAt: '2026-01-06T02:00:00.000Z',
  updatedBy: psbClerk,
};

export const datasetVersion: chaincode.DatasetVersion = {
  id: 'PSB-POP-001@2',
  catalogId: 'PSB-POP-001',
  version: 2,
  owner: 'psb',
  digest: { algorithm: 'sha256', value: SHA256 },
  chunkRoot: 'd2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26',
  chunkSize: 1_048_576,
  size: 18_432,
  mediaType: 'text/csv',
  recordRoot: '5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9',
  recordCount: 300,
  previousVersion: 1,
  reason: '更正 2 条住址（异议 OBJ-5b0e2d7c19a4f368）',
  anchoredAt: '2026-03-02T02:15:00.000Z',
  anchoredBy: psbClerk,
};

export const catalogUpdateRequirement: chaincode.CatalogUpdateRequirement = {
  catalogId: 'PSB-POP-001',
  owner: 'psb',
  reason: '职责调整，须补充户籍迁移字段',
  status: 'open',
  requiredAt: '2026-03-02T01:00:00.000Z',
  requiredBy: coordAdmin,
  deadline: '2026-03-16T09:59:59.999Z',
  deadlineProvisional: false,
  deadlineUnpublishedYears: [],
  answer: null,
};

export const shareRequest: chaincode.ShareRequest = {
  id: REQUEST,
  catalogId: 'PSB-POP-001',
  provider: 'psb',
  requester: healthClerk,
  fields: ['name', 'birth_date'],
  purpose: 'administrative_basis',
  scenario: '出生医学证明签发前核验父母身份',
  period: { from: '2026-03-02', to: '2026-12-31' },
  emergency: false,
  status: 'approved',
  createdAt: '2026-03-02T02:00:00.000Z',
  deadline: '2026-03-16T09:59:59.999Z',
  deadlineProvisional: false,
  deadlineUnpublishedYears: [],
  escalation: null,
  decision: { by: psbClerk, at: '2026-03-03T06:30:00.000Z', reason: null },
  grantId: GRANT,
  automatic: false,
};

export const grant: chaincode.Grant = {
  id: GRANT,
  requestId: REQUEST,
  catalogId: 'PSB-POP-001',
  provider: 'psb',
  consumer: 'health',
  fields: ['name', 'birth_date'],
  purpose: 'administrative_basis',
  validFrom: '2026-03-03',
  validTo: '2026-12-31',
  useLimit: 100,
  useCount: 1,
  automatic: false,
  grantedAt: '2026-03-03T06:30:00.000Z',
  grantedBy: psbClerk,
  revocation: null,
};

export const usageRecord: chaincode.UsageRecord = {
  id: 'USE-9d41c7e2a05b38f6',
  grantId: GRANT,
  catalogId: 'PSB-POP-001',
  provider: 'psb',
  consumer: healthClerk,
  datasetVersion: 2,
  action: 'download',
  recordIndex: null,
  fields: ['name', 'birth_date'],
  bytes: 6_144,
  deliveredDigest: { algorithm: 'sha256', value: TX },
  purpose: 'administrative_basis',
  outcome: 'ALLOWED',
  denialCode: null,
  denialMessage: null,
  subject: null,
  authorisationId: null,
  at: '2026-03-03T07:00:00.000Z',
};

/** The trail's view of health's download: the act, its actor and the departments it concerns. */
export const auditAct: AuditAct = {
  id: TX,
  at: usageRecord.at,
  act: EVENTS.UseRecorded,
  actor: healthClerk,
  departments: ['health', 'psb'],
  target: { type: 'usage', id: usageRecord.id },
  catalogId: usageRecord.catalogId,
  outcome: 'ALLOWED',
  code: null,
  reason: null,
  fields: usageRecord.fields,
  automatic: false,
};

export const qualityObjection: chaincode.QualityObjection = {
  id: 'OBJ-5b0e2d7c19a4f368',
  catalogId: 'PSB-POP-001',
  version: 1,
  provider: 'psb',
  raisedBy: healthClerk,
  description: '第 17、42 行住址与现住址不符',
  recordRefs: ['17', '42'],
  fields: ['address'],
  status: 'corrected',
  raisedAt: '2026-02-24T03:00:00.000Z',
  deadline: '2026-03-03T09:59:59.999Z',
  deadlineProvisional: false,
  deadlineUnpublishedYears: [],
  resolution: {
    resolution: 'corrected',
    by: psbClerk,
    at: '2026-03-02T02:15:00.000Z',
    correctedVersion: 2,
    reason: null,
  },
};

/** Where a write landed. */
export const txRef = { txId: TX, blockNumber: 42 };
export const actor = healthClerk;

// ---- request bodies ------------------------------------------------------------------------------

/** A catalog entry as its owner publishes it (the ledger adds owner, version and the audit fields). */
export const catalogInput = population;
/** An edit names no id (it is the path's) and says why. */
export const catalogChange = {
  ...Object.fromEntries(Object.entries(population).filter(([name]) => name !== 'id')),
  changeReason: '补充“出生日期”字段说明',
};

export const departmentInput = {
  id: 'ggzy',
  nameZh: '市公共资源交易中心',
  nameEn: 'Municipal Public Resources Trading Centre',
  level: 'city',
} as const;

/** A clerk of health who may request and use data; the token is in the answer only. */
export const userInput = { user: 'wangwu', roles: ['consumer'], label: '王五（出生登记窗口）' };

export const requestInput = {
  catalogId: shareRequest.catalogId,
  fields: shareRequest.fields,
  purpose: shareRequest.purpose,
  scenario: shareRequest.scenario,
  period: shareRequest.period,
};
/** The provider narrows the period and caps the uses when approving. */
export const approval = { validTo: '2026-06-30', useLimit: 100 };

export const objectionInput = {
  catalogId: qualityObjection.catalogId,
  version: qualityObjection.version,
  description: qualityObjection.description,
  recordRefs: qualityObjection.recordRefs,
  fields: qualityObjection.fields,
};
export const objectionResolution = { resolution: 'corrected', correctedVersion: 2 } as const;

/** 2026: the National Day holidays and the Sunday worked in exchange (调休). */
export const calendarInput = {
  holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
  workdays: ['2026-09-27'],
};

// A citizen's key pair made once for these examples; the signatures are real ones over the
// canonical JSON of each payload, so a client can check its own signing against them.
const SUBJECT = '5196de32750abe5cf41482634c8fbcbf8653faf609a855209f935d02f29f347b';
const SUBJECT_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEWRRBcfJJ+miXF9pkxoWVLjl2+MM8EEHOX2AIEaQ7qMP2DUoUE788ewdu05sjH3agBR0Fnx6u417jKG/I6cOwmA==';

export const bindingInput = {
  kind: 'person',
  identifier: '130682196001011000',
  publicKey: SUBJECT_KEY,
  reason: '户籍窗口实名核验后绑定',
} as const;

export const signedAuthorisation: chaincode.Signed<chaincode.AuthorisationTerms> = {
  payload: {
    statement: SUBJECT_STATEMENTS.authorise,
    subject: SUBJECT,
    consumer: 'psb',
    entries: [{ catalogId: 'HLT-BIRTH-001', fields: ['cert_no', 'child_name', 'birth_date'] }],
    purpose: 'data_verification',
    matter: '出生医学证明核验（户口登记）',
    validFrom: '2026-03-02T00:00:00.000Z',
    validTo: '2026-03-31T16:00:00.000Z',
    maxUses: 1,
    nonce: 'q7Xk2mP9vR4tW8zA',
  },
  signature:
    'FeoSRFI+wsolrBqWX9mfCD/dELnLp8OpiseJzxSlnNUhLDdyy74qqQ0PO8Zymol4i0oq/tEsXfFzkzeBA4QO4Q==',
};
export const authorisationId =
  'AUTH-f799244ffdbdf37feeb7f6feb4e2b51e2db174330c5662a05fa1b42831e07dcf';

export const signedRevocation: chaincode.Signed<chaincode.RevocationTerms> = {
  payload: {
    statement: SUBJECT_STATEMENTS.revoke,
    subject: SUBJECT,
    authorisationId,
    at: '2026-03-05T02:00:00.000Z',
  },
  signature:
    'yz9f/gtQE71lqvqr6WMq6Jvde8eOPMSw1drarP67lihhymz5HstxGBj9r7jbujKdB4jb2YBgsYdA/rNw8ntyNA==',
};

export const signedTrail: chaincode.Signed<chaincode.TrailTerms> = {
  payload: {
    statement: SUBJECT_STATEMENTS.trail,
    subject: SUBJECT,
    at: '2026-03-05T02:00:00.000Z',
  },
  signature:
    'RSn8LOwuikjqpS9g0ffUowjNRrvecq5x0mZLJMAAG2Ct/sCp1kTUUn76DYShSJtiwzu+ANHh3TqIpyMa4NwuPg==',
};

export const subjectRecordsQuery = {
  catalogId: 'HLT-BIRTH-001',
  identifier: bindingInput.identifier,
  authorisationId,
};

// ---- answers that are not entities ----------------------------------------------------------------

const BLOCK_HASH = '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab';
const COMMIT_HASH = '0b1c8ad2f6a4e0c38b9d7e2a51f4c6d83e9a0b7c2d5f18e64a3b9c0d7e2f1a85';

/** Where a version was found by its digest (GET /verify/). */
export const versionMatch = {
  catalogId: datasetVersion.catalogId,
  catalogName: catalogEntry.name,
  version: datasetVersion.version,
  owner: datasetVersion.owner,
  digest: datasetVersion.digest,
  recordRoot: datasetVersion.recordRoot,
  txId: TX,
  blockNumber: 42,
  anchoredAt: datasetVersion.anchoredAt,
};

export const departmentStats = {
  department: 'psb',
  catalogEntries: 3,
  notShared: 1,
  datasetVersions: 4,
  requestsReceived: 12,
  answered: 11,
  approved: 9,
  rejected: 2,
  meanResponseHours: 20.5,
  maxResponseHours: 70,
  answeredLate: 1,
  overdueRequests: 1,
  objectionsReceived: 2,
  overdueObjections: 0,
  overdueCatalogUpdates: 0,
  shareRate: 0.818,
  qualityRate: 0.75,
  usesAllowed: 40,
  usesDenied: 3,
};

export const nodeStatus = {
  id: 'psb',
  running: true,
  height: 1284,
  lastBlockHash: BLOCK_HASH,
  commitHash: COMMIT_HASH,
};
export const networkStatus = {
  engine: 'embedded',
  channel: 'shulian',
  height: 1284,
  nodes: ['coord', 'psb', 'amr', 'health'].map((id) => ({ ...nodeStatus, id })),
  agreement: true,
  indexedBlock: 1283,
};

/** A committed transaction as the explorer shows it: health's download of the granted fields. */
export const transaction = {
  txId: TX,
  index: 0,
  blockNumber: 42,
  validationCode: 'VALID',
  timestamp: usageRecord.at,
  creator: healthClerk,
  fcn: FUNCTIONS.usage.RecordUse,
  event: { name: EVENTS.UseRecorded, payload: usageRecord },
};
export const block = { blockNumber: 42, blockHash: BLOCK_HASH, transactions: [transaction] };

export const subjectBinding: chaincode.SubjectBinding = {
  subject: SUBJECT,
  kind: 'person',
  publicKey: SUBJECT_KEY,
  keyId: 'de24488f395de5beca186a023496abb77478fa8e5a8cc6d2c949c3f24612bd5a',
  version: 1,
  reason: null,
  boundAt: '2026-03-01T01:30:00.000Z',
  boundBy: { department: 'psb', user: 'verifier' },
};

export const authorisation: chaincode.Authorisation = {
  id: authorisationId,
  subject: SUBJECT,
  kind: 'person',
  terms: signedAuthorisation.payload,
  signature: signedAuthorisation.signature,
  bindingVersion: 1,
  keyId: subjectBinding.keyId,
  providers: ['health'],
  useCount: 0,
  submittedAt: '2026-03-02T01:00:00.000Z',
  submittedBy: psbClerk,
  revocation: null,
};

/** A subject's trail: the one verification they authorised, as the ledger recorded it. */
export const trail = {
  subject: SUBJECT,
  uses: [
    {
      ...usageRecord,
      id: 'USE-4e7a1b9c03d5f826',
      grantId: 'GRANT-2d8f6b1a9c4e0357',
      catalogId: 'HLT-BIRTH-001',
      provider: 'health',
      consumer: { department: 'psb', user: 'clerk' },
      action: 'query',
      recordIndex: 17,
      fields: ['cert_no', 'child_name', 'birth_date'],
      bytes: null,
      deliveredDigest: null,
      purpose: 'data_verification',
      subject: SUBJECT,
      authorisationId,
    },
  ],
  authorisations: [{ ...authorisation, useCount: 1 }],
  delegations: [],
};

// An enterprise (its 统一社会信用代码 pseudonymised) whose legal representative (法定代表人) lets an
// agent (经办人) sign for it; both key pairs made once for these examples, the signatures real.
const ENTERPRISE = '5df06b9f624795dd70b813293acc996c1840c80ce4d9f099f630efeae8225f87';
const LEGAL_REP_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEw3EMs1Roday0SiaWuXhfmyipuMy0vktIGTlF+QBntaISNnVmHEa9CqtXFiGX5FMBE7MEP/LqvzYoYb8/J13KzQ==';
const AGENT_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvHZDLu6zMIjMyqsUJShVTf0ovbnZlQeIF7rm0lOhNUlm7/Bf5F31jjt8vktq2bp4VAVS96HUFY1NT/TyUgPzXg==';

export const enterpriseBinding: chaincode.SubjectBinding = {
  subject: ENTERPRISE,
  kind: 'enterprise',
  publicKey: LEGAL_REP_KEY,
  keyId: '12e683ef5c2b71b26cbd1ac0eb16743adb864f2136b9f8abe5d754a909861b38',
  version: 1,
  reason: null,
  boundAt: '2026-03-01T02:00:00.000Z',
  boundBy: { department: 'amr', user: 'verifier' },
};

export const signedDelegation: chaincode.Signed<chaincode.DelegationTerms> = {
  payload: {
    statement: SUBJECT_STATEMENTS.delegate,
    subject: ENTERPRISE,
    agentKey: AGENT_KEY,
    scope: { acts: ['authorise', 'revoke', 'trail'], catalogIds: ['AMR-ENT-001'] },
    validFrom: '2026-03-02T00:00:00.000Z',
    validTo: '2026-12-31T16:00:00.000Z',
    nonce: 'd4Rt8kLm2Qx7Wz9B',
  },
  signature:
    'YffZPBihoQsQZpTEtOjVDbCBe9ndBO2kgFDpFBCYpJU+Q6TbdMQGlPp1P7Rh6VFGl9TuAzLOYKw8y1DMBH8KGQ==',
};
export const delegationId = 'DLG-32a5992eaaf1e3df6b085a050f9395b910fd58019e932dc81e4e3fb54d34e34b';

export const signedDelegationRevocation: chaincode.Signed<chaincode.DelegationRevocationTerms> = {
  payload: {
    statement: SUBJECT_STATEMENTS.undelegate,
    subject: ENTERPRISE,
    delegationId,
    at: '2026-06-01T02:00:00.000Z',
  },
  signature:
    '5GxatiMYZej8bEsMOcKPvweVYgTYLPF18vdH6VnZRlWd81GpUSuE3Oki5hTrOUvodFmb9f5k8CPopVqEoMto6Q==',
};

export const delegation: chaincode.Delegation = {
  id: delegationId,
  subject: ENTERPRISE,
  terms: signedDelegation.payload,
  signature: signedDelegation.signature,
  bindingVersion: 1,
  keyId: enterpriseBinding.keyId,
  agentKeyId: 'b217a217e3641e4a217d17c291870bb68b976253adb6277e4a820c0278799532',
  submittedAt: '2026-03-02T01:00:00.000Z',
  submittedBy: { department: 'amr', user: 'clerk' },
  revocation: null,
};

/** A download of the grant's fields, as CSV and as JSON Lines (the demo's first person). */
export const CONTENT_EXAMPLES = {
  csv: 'name,birth_date\r\n张伟,1960-01-01\r\n',
  jsonl: '{"name":"张伟","birth_date":"1960-01-01"}\n',
};

/** The start of a scrape (Prometheus text exposition, version 0.0.4). */
export const METRICS_EXAMPLE = [
  '# HELP shulian_ledger_height blocks on the ledger',
  '# TYPE shulian_ledger_height gauge',
  'shulian_ledger_height 1284',
  '# HELP shulian_ledger_node_height blocks on each department node',
  '# TYPE shulian_ledger_node_height gauge',
  'shulian_ledger_node_height{department="psb"} 1284',
  '',
].join('\n');

/** psb's entry in the gateway directory: a self-signed TLS certificate made for this example. */
export const departmentGateway: chaincode.DepartmentGateway = {
  department: 'psb',
  url: 'https://gw.psb.example:8443',
  tlsCertificate: [
    '-----BEGIN CERTIFICATE-----',
    'MIIBoTCCAUigAwIBAgIUeNBqPWge0rxRivBzlgXCBWR+0kowCgYIKoZIzj0EAwIw',
    'GTEXMBUGA1UEAwwOZ3cucHNiLmV4YW1wbGUwHhcNMjYxMjAxMDcwMTM4WhcNMzYx',
    'MTI4MDcwMTM4WjAZMRcwFQYDVQQDDA5ndy5wc2IuZXhhbXBsZTBZMBMGByqGSM49',
    'AgEGCCqGSM49AwEHA0IABKVoNraj8DcUGRHSXevT08txTRyOQ5Q4ssfSfDVO/Vxj',
    '+TH+JDuovziYvpQpJiNz4foy3BD0/odnsvuqmeFBvuejbjBsMB0GA1UdDgQWBBS9',
    'DSfFUUPw/H9Mtj95Ayo4tUIESDAfBgNVHSMEGDAWgBS9DSfFUUPw/H9Mtj95Ayo4',
    'tUIESDAPBgNVHRMBAf8EBTADAQH/MBkGA1UdEQQSMBCCDmd3LnBzYi5leGFtcGxl',
    'MAoGCCqGSM49BAMCA0cAMEQCIHcJKs7kit2sWnY1Gepj1JPpffASvA7NOb1sO+tm',
    'xnamAiAuDRzjhqKZAk4yATRStkUAqq6qx1tEMA/iFJz/tTCj0w==',
    '-----END CERTIFICATE-----',
    '',
  ].join('\n'),
  publishedAt: '2026-03-02T02:00:00.000Z',
  publishedBy: { department: 'psb', user: 'admin' },
};
/** What psb's admin publishes (the ledger adds who and when). */
export const gatewayPublication = {
  url: departmentGateway.url,
  tlsCertificate: departmentGateway.tlsCertificate,
};

/**
 * A quote health's gateway sends psb's on behalf of health's clerk (gateway-to-gateway exchange):
 * signed with a key and self-signed certificate made for this example, so it verifies as a
 * signature but not against any channel's MSP.
 */
export const signedExchangeRequest = {
  request: {
    kind: 'quote' as const,
    provider: 'psb',
    consumer: { department: 'health', user: 'clerk' },
    catalogId: 'PSB-POP-001',
    version: 2,
    grantId: 'GRANT-7f3a9c2e',
    fields: ['id_number', 'name', 'birth_date'],
    purpose: null,
    usageId: null,
    nonce: '5f0c8e7a9b1d4c3e8f2a6b7c9d0e1f23',
    issuedAt: '2026-03-02T02:00:00.000Z',
  },
  certificate: [
    '-----BEGIN CERTIFICATE-----',
    'MIIB1DCCAXmgAwIBAgIUc5xI/yhrR3KnfTzXsuuGNxtMu68wCgYIKoZIzj0EAwIw',
    'PzELMAkGA1UEBhMCQ04xDzANBgNVBAoMBmhlYWx0aDEPMA0GA1UECwwGY2xpZW50',
    'MQ4wDAYDVQQDDAVjbGVyazAeFw0yNjEyMDEyMzM1NDdaFw0zNjExMjgyMzM1NDda',
    'MD8xCzAJBgNVBAYTAkNOMQ8wDQYDVQQKDAZoZWFsdGgxDzANBgNVBAsMBmNsaWVu',
    'dDEOMAwGA1UEAwwFY2xlcmswWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARGijTv',
    'avNG6A0KGPPl0pruvbnNPgNMbgVlIFT7Oz2TJ3Hv3kpcDQNw4WLvxA6oTnb2FfQq',
    'Zi/87IMhdqeDkjWio1MwUTAdBgNVHQ4EFgQURFvUNbHxShoxbJ24v0JlaJJ5ESAw',
    'HwYDVR0jBBgwFoAURFvUNbHxShoxbJ24v0JlaJJ5ESAwDwYDVR0TAQH/BAUwAwEB',
    '/zAKBggqhkjOPQQDAgNJADBGAiEAnEPly3hWDtUwYE/TWuy2Kslg1bjWE74oQJ1u',
    'gSlWUAUCIQDsTLF4VAvFBKGITudfgk734rvuqaK9TFNsYGiKgCCYNQ==',
    '-----END CERTIFICATE-----',
    '',
  ].join('\n'),
  signature:
    'MEUCIQCMtvPFw7Sv//nNNA8Gtz/bO7oMkqo9atvB/N0uwkM66AIgGC7la3ULelGDCGGFpV43DnHxOpH34HGu8qOPN1Jbmjc=',
};

/** psb's gateway's answer to it: what the use would deliver. */
export const exchangeQuote = {
  catalogId: 'PSB-POP-001',
  version: 2,
  mediaType: 'text/csv',
  projected: true,
  bytes: 18240,
  digest: {
    algorithm: 'sha256' as const,
    value: '3b6f0c8a1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c',
  },
};
