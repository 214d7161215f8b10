/**
 * The access matrix (issue 11, "How it is checked"): every data-disclosing route, tried with each
 * kind of token, asserting the answer (status and code; for a grantee limited to some fields, that
 * the withheld fields' values never appear in the bytes) and the usage record it leaves (ALLOWED or
 * DENIED with its reason, or none where nothing of a dataset is disclosed).
 *
 * The routes are taken from the app's own route list (the OpenAPI document every registered route
 * is part of): each one is either a row of the matrix or listed as not disclosing, with the reason,
 * so a new route that nobody classified fails the first test.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type DatasetVersion,
  type RequestDecisionResult,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { canonicalBytes, canonicalJson } from '@shulian/chaincode/canonical';
import type { ProofBundle } from '@shulian/proof/bundle';
import { disclosedRecord, type SelectiveRecordProof } from '@shulian/proof/records';
import { signRequest, type RequestSigner } from '../../gateway/src/exchange/signed-request.js';
import { openFixture, type Fixture } from './fixture.js';

/** The kinds of caller every disclosing route is tried with. */
const KINDS = [
  'none',
  'noRoles',
  'consumer',
  'grantee',
  'otherDept',
  'supervisor',
  'owner',
] as const;
type Kind = (typeof KINDS)[number];

/** What a cell expects: the answer, and the use it records (null: none). */
interface Cell {
  status: number;
  code?: string;
  use: null | { outcome: 'ALLOWED' } | { outcome: 'DENIED'; denialCode: string };
}
const ok = (use: Cell['use'] = null): Cell => ({ status: 200, use });
const allowed = (): Cell => ok({ outcome: 'ALLOWED' });
const refused = (status: number, code: string, recorded: boolean): Cell => ({
  status,
  code,
  use: recorded ? { outcome: 'DENIED', denialCode: code } : null,
});
const unauthenticated = refused(401, 'UNAUTHENTICATED', false);
/**
 * A use of the data (download, record proof, query by subject): served to its owner and
 * its grantee, refused and recorded for every other signed-in caller.
 */
const DATASET_USE: Readonly<Record<Kind, Cell>> = {
  none: unauthenticated,
  noRoles: refused(403, 'FORBIDDEN_ROLE', true),
  consumer: refused(403, 'GRANT_NOT_FOUND', true),
  grantee: allowed(),
  otherDept: refused(403, 'FORBIDDEN_ROLE', true),
  supervisor: refused(403, 'FORBIDDEN_ROLE', true),
  owner: allowed(),
};

interface Answer {
  statusCode: number;
  body: string;
  rawPayload: Buffer;
  headers: Record<string, string | string[] | number | undefined>;
  json<T>(): T;
}

interface Row {
  /** `METHOD /path` as the route list names it. */
  route: string;
  /** The action a use of this route records, when it records one. */
  action?: 'download' | 'prove' | 'query';
  request(): { url: string; method?: 'GET' | 'POST'; payload?: object };
  cells: Record<Kind, Cell>;
  /** The bytes an allowed use's deliveredDigest covers (default: the response body). */
  delivered?(res: Answer): string | Buffer;
  /** Extra checks of an allowed answer for a caller limited to some fields. */
  partial?(res: Answer): void;
}

// The entry every route but the subjects query is tried on: population data of public security;
// health holds a grant for three of its five fields (seeded), market regulation holds none.
const ENTRY = 'PSB-POP-001';
const POP_GRANTED = ['id_number', 'name', 'birth_date'];
const POP_WITHHELD = ['gender', 'address'];
// A consent entry for the subjects query (在线查询): health is granted three of four fields and
// holds the citizen's authorisation.
const BIRTHS_ENTRY = 'PSB-BIRTH-001';
const CITIZEN_ID = '370102202601015678';
const BIRTHS = [
  'id_number,child_name,birth_date,hospital',
  '370102202512310011,张一,2025-12-31,市妇幼保健院',
  `${CITIZEN_ID},李小明,2026-01-01,市第一人民医院`,
].join('\n');
const BIRTHS_GRANTED = ['id_number', 'child_name', 'birth_date'];

let f: Fixture;
/** Health's clerk's signing key, for the exchange routes' signed requests. */
let exchangeSigner: RequestSigner;
const tokens = {} as Record<Exclude<Kind, 'none'>, string>;
let version: DatasetVersion;
let authorisation: Authorisation;
let subject: string;
/** Values of PSB-POP-001's withheld fields (addresses are unique to each record). */
let withheldValues: string[];
/** Every identity number in PSB-POP-001: no index view or audit export may carry one. */
let recordValues: string[];
/** The grantee's projected download of PSB-POP-001, whose delivery receipt is a row. */
let granteeUse: string;

const headersOf = (kind: Kind): Record<string, string> =>
  kind === 'none' ? {} : { authorization: `Bearer ${tokens[kind]}` };

async function recentUses(): Promise<Map<string, UsageRecord>> {
  const page = await f.runtime.index.usage({ scope: { by: 'all' }, limit: 50 });
  return new Map(page.items.map((u) => [u.id, u]));
}

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

const noRecordValues = (res: Answer) => {
  for (const value of recordValues) expect(res.body).not.toContain(value);
};

const ROWS: Row[] = [
  {
    route: 'GET /api/v1/catalog/{id}/versions/{version}/content',
    action: 'download',
    request: () => ({ url: `/api/v1/catalog/${ENTRY}/versions/1/content` }),
    cells: DATASET_USE,
    partial(res) {
      const [header, ...rows] = res.body.split('\r\n').filter(Boolean);
      expect(header).toBe(POP_GRANTED.join(','));
      expect(rows).toHaveLength(300);
      for (const value of withheldValues) expect(res.body).not.toContain(value);
    },
  },
  {
    route: 'GET /api/v1/catalog/{id}/versions/{version}/records/{index}/proof',
    action: 'prove',
    request: () => ({ url: `/api/v1/catalog/${ENTRY}/versions/1/records/7/proof` }),
    cells: DATASET_USE,
    partial(res) {
      const bundle = res.json<ProofBundle>();
      const { record, withheld } = disclosedRecord(
        (bundle.subject as { proof: SelectiveRecordProof }).proof,
      );
      expect(Object.keys(record as object).sort()).toEqual([...POP_GRANTED].sort());
      expect([...withheld].sort()).toEqual([...POP_WITHHELD].sort());
      for (const value of withheldValues) expect(res.body).not.toContain(value);
    },
  },
  {
    // A file proof carries the anchor (digests, sizes, roots) and the signed transaction: no
    // record. Every member may have it, and it is not a use.
    route: 'GET /api/v1/catalog/{id}/versions/{version}/proof',
    request: () => ({ url: `/api/v1/catalog/${ENTRY}/versions/1/proof` }),
    cells: {
      none: unauthenticated,
      noRoles: ok(),
      consumer: ok(),
      grantee: ok(),
      otherDept: ok(),
      supervisor: ok(),
      owner: ok(),
    },
    partial: noRecordValues,
  },
  ...(['usage', 'usage.csv', 'prov'] as const).map((path): Row => ({
    // The trail of an entry's uses: its owner and the overseers only; no record values in it.
    route: `GET /api/v1/audit/${path}`,
    request: () => ({ url: `/api/v1/audit/${path}?catalogId=${ENTRY}` }),
    cells: {
      none: unauthenticated,
      noRoles: refused(403, 'FORBIDDEN_ROLE', false),
      consumer: refused(403, 'FORBIDDEN', false),
      grantee: refused(403, 'FORBIDDEN', false),
      otherDept: refused(403, 'FORBIDDEN', false),
      supervisor: ok(),
      owner: ok(),
    },
    partial: noRecordValues,
  })),
  {
    // A delivery receipt: one use's record (fields, digest, grant; no record values) with its
    // transaction's proof. The use's consumer and provider departments and the overseers.
    route: 'GET /api/v1/audit/usage/{id}/receipt',
    request: () => ({ url: `/api/v1/audit/usage/${granteeUse}/receipt` }),
    cells: {
      none: unauthenticated,
      noRoles: refused(403, 'FORBIDDEN_ROLE', false),
      consumer: refused(403, 'FORBIDDEN_DEPARTMENT', false),
      grantee: ok(),
      otherDept: refused(403, 'FORBIDDEN_DEPARTMENT', false),
      supervisor: ok(),
      owner: ok(),
    },
    partial: noRecordValues,
  },
  ...(['acts', 'acts.csv', 'acts/figures'] as const).map((path): Row => ({
    // The full-process trail: every member with a role reads the acts concerning its department
    // (overseers all of them); acts name fields, never a record's values.
    route: `GET /api/v1/audit/${path}`,
    request: () => ({
      url: `/api/v1/audit/${path}${path === 'acts/figures' ? '' : `?catalogId=${ENTRY}`}`,
    }),
    cells: {
      none: unauthenticated,
      noRoles: refused(403, 'FORBIDDEN_ROLE', false),
      consumer: ok(),
      grantee: ok(),
      otherDept: ok(),
      supervisor: ok(),
      owner: ok(),
    },
    partial: noRecordValues,
  })),
  ...(
    [
      ['GET /api/v1/catalog/{id}/versions', () => `/api/v1/catalog/${ENTRY}/versions`],
      ['GET /api/v1/catalog/{id}/versions/{version}', () => `/api/v1/catalog/${ENTRY}/versions/1`],
    ] as const
  ).map(([route, url]): Row => ({
    // Index views of versions: anchors only, for every member, never a record.
    route,
    request: () => ({ url: url() }),
    cells: {
      none: unauthenticated,
      noRoles: ok(),
      consumer: ok(),
      grantee: ok(),
      otherDept: ok(),
      supervisor: ok(),
      owner: ok(),
    },
    partial: noRecordValues,
  })),
  {
    // The public search by digest (anyone holding a file may ask whether it is anchored).
    route: 'GET /api/v1/verify/',
    request: () => ({ url: `/api/v1/verify/?digest=${version.digest.value}` }),
    cells: {
      none: ok(),
      noRoles: ok(),
      consumer: ok(),
      grantee: ok(),
      otherDept: ok(),
      supervisor: ok(),
      owner: ok(),
    },
    partial(res) {
      expect(res.json<{ matches: { catalogId: string }[] }>().matches).toEqual([
        expect.objectContaining({ catalogId: ENTRY }),
      ]);
      noRecordValues(res);
    },
  },
  {
    route: 'POST /api/v1/subjects/records',
    action: 'query',
    request: () => ({
      method: 'POST',
      url: '/api/v1/subjects/records',
      payload: {
        catalogId: BIRTHS_ENTRY,
        identifier: CITIZEN_ID,
        authorisationId: authorisation.id,
        purpose: 'data_verification',
      },
    }),
    cells: DATASET_USE,
    delivered: (res) => canonicalJson(res.json<{ records: unknown }>().records),
    partial(res) {
      const answer = res.json<{ records: { record: Record<string, unknown> }[] }>();
      expect(answer.records.map((r) => Object.keys(r.record).sort())).toEqual([
        [...BIRTHS_GRANTED].sort(),
      ]);
      expect(res.body).not.toContain('市第一人民医院');
      expect(res.body).not.toContain('张一');
    },
  },
  {
    // The uses made under one authorisation: the overseers, its consumer and its providers.
    route: 'GET /api/v1/subjects/authorisations/{id}/uses',
    request: () => ({ url: `/api/v1/subjects/authorisations/${authorisation.id}/uses` }),
    cells: {
      none: unauthenticated,
      noRoles: refused(403, 'FORBIDDEN_ROLE', false),
      consumer: refused(403, 'FORBIDDEN_DEPARTMENT', false),
      grantee: ok(),
      otherDept: refused(403, 'FORBIDDEN_DEPARTMENT', false),
      supervisor: ok(),
      owner: ok(),
    },
    partial(res) {
      expect(res.body).not.toContain(CITIZEN_ID);
      expect(res.body).not.toContain('李小明');
    },
  },
  // Gateway-to-gateway exchange: the authority is the user's signed request over mutual TLS, never
  // a bearer token. Without a TLS client certificate (app.inject, or plain HTTP) every caller is
  // refused, whatever token it carries, and nothing is recorded; the signed, mutual-TLS path is
  // tests/gateway/exchange.test.ts and tests/fabric/exchange.test.ts.
  ...(['quote', 'deliveries'] as const).map((path): Row => ({
    route: `POST /api/v1/exchange/${path}`,
    request: () => ({
      url: `/api/v1/exchange/${path}`,
      method: 'POST',
      payload: signRequest(
        {
          kind: path === 'quote' ? 'quote' : 'deliver',
          provider: 'psb',
          consumer: { department: 'health', user: 'clerk' },
          catalogId: ENTRY,
          version: 1,
          grantId: null,
          fields: POP_GRANTED,
          purpose: null,
          usageId: path === 'quote' ? null : 'USE-1',
          nonce: randomBytes(16).toString('hex'),
          issuedAt: new Date().toISOString(),
        },
        exchangeSigner,
      ),
    }),
    cells: Object.fromEntries(
      KINDS.map((kind) => [kind, refused(401, 'EXCHANGE_SIGNATURE_INVALID', false)]),
    ) as Record<Kind, Cell>,
  })),
];

/**
 * Routes that disclose nothing of a dataset, or whose authority is not a token; each with why.
 * A route missing from both this list and the matrix fails the first test.
 */
const NOT_DISCLOSING: Record<string, string> = {
  'GET /health': 'liveness',
  'GET /ready': 'readiness',
  'GET /metrics': 'counters',
  'GET /api/v1/me': "the caller's own identity",
  'GET /api/v1/departments': 'the network’s departments',
  'POST /api/v1/departments': 'governance write (coordinator)',
  'GET /api/v1/departments/{id}': 'a department record',
  'PATCH /api/v1/departments/{id}': 'governance write',
  'PUT /api/v1/departments/{id}/users/{user}/roles': 'governance write',
  'GET /api/v1/gateways/': 'the gateway directory (URLs and TLS certificates, public)',
  'PUT /api/v1/gateways/{id}': 'governance write (the department’s admin)',
  'GET /api/v1/gateways/{id}/history': 'the gateway directory’s history',
  'GET /api/v1/calendar/{year}': 'working-day calendar',
  'PUT /api/v1/calendar/{year}': 'governance write',
  'GET /api/v1/departments/{id}/users': 'user administration (the department’s admin)',
  'POST /api/v1/departments/{id}/users': 'user administration',
  'DELETE /api/v1/departments/{id}/users/{user}/tokens': 'user administration',
  'GET /api/v1/catalog/': 'the resource catalog (目录) is published to every member',
  'POST /api/v1/catalog/': 'catalog write (owner)',
  'GET /api/v1/catalog/{id}': 'a catalog entry’s metadata',
  'PUT /api/v1/catalog/{id}': 'catalog write (owner)',
  'POST /api/v1/catalog/{id}/retire': 'catalog write (owner)',
  'GET /api/v1/catalog/{id}/history': 'a catalog entry’s metadata history',
  'POST /api/v1/catalog/{id}/require-update': 'oversight write',
  'GET /api/v1/catalog/{id}/update-requirement': 'catalog metadata',
  'POST /api/v1/catalog/{id}/versions': 'upload (owner), discloses nothing',
  'GET /api/v1/catalog-updates/': 'catalog metadata',
  'POST /api/v1/verify/record': 'checks a record the caller already holds',
  'POST /api/v1/verify/bundle': 'checks a bundle the caller already holds',
  'POST /api/v1/verify/file': 'hashes a file the caller already holds',
  'GET /api/v1/requests/': 'share requests (metadata, scoped to parties and overseers)',
  'POST /api/v1/requests/': 'share request write',
  'GET /api/v1/requests/{id}': 'share request metadata',
  'GET /api/v1/requests/{id}/history': 'share request metadata',
  'POST /api/v1/requests/{id}/approve': 'decision write (provider)',
  'POST /api/v1/requests/{id}/reject': 'decision write (provider)',
  'POST /api/v1/requests/{id}/escalate': 'oversight write',
  'POST /api/v1/requests/{id}/withdraw': 'requester write',
  'GET /api/v1/grants/': 'grant metadata',
  'GET /api/v1/grants/{id}': 'grant metadata',
  'POST /api/v1/grants/{id}/revoke': 'provider write',
  'GET /api/v1/objections/': 'quality objections (metadata)',
  'POST /api/v1/objections/': 'objection write',
  'GET /api/v1/objections/{id}': 'objection metadata',
  'POST /api/v1/objections/{id}/resolve': 'owner write',
  'POST /api/v1/subjects/bindings': 'verifier write; answers the pseudonym only',
  'GET /api/v1/subjects/{subject}/binding': 'a pseudonym’s public key',
  'POST /api/v1/subjects/authorisations': 'the subject’s signed write',
  'POST /api/v1/subjects/authorisations/{id}/revoke': 'the subject’s signed write',
  'GET /api/v1/subjects/authorisations/{id}': 'the authorisation’s terms (no record values)',
  'POST /api/v1/subjects/delegations': 'the legal representative’s signed write',
  'POST /api/v1/subjects/delegations/{id}/revoke': 'the legal representative’s signed write',
  'GET /api/v1/subjects/delegations/{id}':
    'a pseudonym, an agent’s public key and a scope (no record values)',
  'POST /api/v1/subjects/{subject}/trail':
    "the authority is the subject's fresh signed statement, not a token (subjects.test.ts)",
  'GET /api/v1/stats/': 'counts',
  'GET /api/v1/stats/{department}': 'counts',
  'GET /api/v1/ledger/status': 'network status',
  'GET /api/v1/ledger/blocks':
    'block summaries: the ledger is visible to every channel member, as on Fabric; no dataset bytes are on chain',
  'GET /api/v1/ledger/blocks/{number}': 'as blocks',
  'GET /api/v1/ledger/transactions/{txId}': 'as blocks',
  'GET /api/v1/ledger/trust': 'certificates for offline verification',
  'POST /api/v1/ledger/verify': 'operator act',
  'GET /api/v1/ledger/verify/progress': 'operator act',
  'POST /api/v1/ledger/nodes/{department}/repair': 'operator act',
  'GET /api/v1/dcat/catalog.jsonld': 'the catalog as DCAT-AP',
  'GET /api/v1/demo/identities': 'demo mode only, loopback clients only (demo-mode.test.ts)',
};

beforeAll(async () => {
  f = await openFixture();
  exchangeSigner = await f.runtime.embedded!.identity({ department: 'health', user: 'clerk' });
  const { chaincode, datasets, tokens: store, index } = f.runtime;
  tokens.noRoles = (await store.create({ department: 'psb', user: 'nobody', roles: [] })).token;
  tokens.consumer = f.token('amr', 'clerk');
  tokens.grantee = f.token('health', 'clerk');
  tokens.otherDept = (
    await store.create({ department: 'amr', user: 'admin', roles: ['admin'] })
  ).token;
  tokens.supervisor = f.token('coord', 'auditor');
  tokens.owner = f.token('psb', 'clerk');

  version = await chaincode.evaluate<DatasetVersion>(
    { department: 'psb', user: 'clerk' },
    TX.dataset.GetVersion,
    [ENTRY, '1'],
  );
  const whole = (
    await f.app.inject({
      url: `/api/v1/catalog/${ENTRY}/versions/1/content`,
      headers: f.auth('psb', 'clerk'),
    })
  ).body;
  const rows = whole
    .split('\r\n')
    .join('\n')
    .split('\n')
    .filter(Boolean)
    .slice(1)
    .map((line) => /^([^,]+),[^,]+,[^,]+,[^,]+,"?([^"]+)"?$/.exec(line)!);
  withheldValues = rows.map((m) => m[2]!);
  recordValues = rows.map((m) => m[1]!);
  expect(withheldValues).toHaveLength(300);
  granteeUse = String(
    (
      await f.app.inject({
        url: `/api/v1/catalog/${ENTRY}/versions/1/content`,
        headers: f.auth('health', 'clerk'),
      })
    ).headers['x-shulian-usage-id'],
  );

  // The consent entry, its data, health's grant for three fields, and the citizen's authorisation.
  const psb = { department: 'psb', user: 'clerk' };
  await chaincode.submit({ department: 'psb', user: 'admin' }, TX.governance.SetUserRoles, [
    'vera',
    ['verifier'],
  ]);
  const entry = await chaincode.evaluate<Record<string, unknown>>(psb, TX.catalog.GetEntry, [
    ENTRY,
  ]);
  await chaincode.submit(psb, TX.catalog.CreateEntry, [
    {
      ...Object.fromEntries(
        Object.entries(entry).filter(
          ([k]) =>
            ![
              'owner',
              'version',
              'status',
              'changeReason',
              'createdAt',
              'createdBy',
              'updatedAt',
              'updatedBy',
            ].includes(k),
        ),
      ),
      id: BIRTHS_ENTRY,
      name: '出生医学证明信息',
      fields: [
        { name: 'id_number', nameZh: '身份证号', type: 'string', sensitivity: 'sensitive' },
        ...['child_name', 'birth_date'].map((name) => ({
          name,
          nameZh: name,
          type: 'string',
          sensitivity: 'sensitive',
          consent: 'person',
        })),
        { name: 'hospital', nameZh: '签发机构', type: 'string', sensitivity: 'internal' },
      ],
      subjectField: 'id_number',
      shareMethods: ['online_query'],
    },
  ]);
  await datasets.anchor(psb, {
    catalogId: BIRTHS_ENTRY,
    source: Readable.from([Buffer.from(BIRTHS)]),
    mediaType: 'text/csv',
    reason: null,
    algorithm: 'sha256',
    maxBytes: 1 << 20,
  });
  const today = new Date().toISOString().slice(0, 10);
  const asked = await chaincode.submit<RequestDecisionResult>(
    { department: 'health', user: 'clerk' },
    TX.sharing.CreateRequest,
    [
      {
        catalogId: BIRTHS_ENTRY,
        fields: BIRTHS_GRANTED,
        purpose: 'data_verification',
        scenario: '户口登记：核验出生医学证明',
        period: { from: today, to: '2099-12-31' },
      },
    ],
  );
  await chaincode.submit(psb, TX.sharing.ApproveRequest, [
    asked.value.request.id,
    { useLimit: null, reason: null },
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = (await store.create({ department: 'psb', user: 'vera', roles: ['verifier'] }))
    .token;
  const bound = await f.app.inject({
    method: 'POST',
    url: '/api/v1/subjects/bindings',
    headers: { authorization: `Bearer ${verifier}` },
    payload: {
      kind: 'person',
      identifier: CITIZEN_ID,
      publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    },
  });
  subject = bound.json<{ data: { subject: string } }>().data.subject;
  const now = Date.now();
  const terms = {
    statement: SUBJECT_STATEMENTS.authorise,
    subject,
    consumer: 'health',
    entries: [{ catalogId: BIRTHS_ENTRY, fields: ['child_name', 'birth_date'] }],
    purpose: 'data_verification',
    matter: '出生医学证明核验（户口登记）',
    validFrom: new Date(now - 60_000).toISOString(),
    validTo: new Date(now + 86_400_000).toISOString(),
    maxUses: 10,
    nonce: 'matrix-0001',
  };
  const authorised = await f.app.inject({
    method: 'POST',
    url: '/api/v1/subjects/authorisations',
    payload: {
      payload: terms,
      signature: sign('sha256', canonicalBytes(terms), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64'),
    },
  });
  expect(authorised.statusCode, authorised.body).toBe(201);
  authorisation = authorised.json<{ data: Authorisation }>().data;
  await index.waitFor((await f.runtime.ledger.status()).height - 1, 5_000);
}, 180_000);
afterAll(() => f.close());

describe('access matrix', () => {
  it('has a row for every route of the app that discloses data, and classifies every other route', () => {
    const doc = (
      f.app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }
    ).swagger();
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const unclassified = routes.filter(
      (r) => !ROWS.some((row) => row.route === r) && !(r in NOT_DISCLOSING),
    );
    expect(unclassified, 'routes neither in the matrix nor listed as not disclosing').toEqual([]);
    const gone = [...ROWS.map((row) => row.route), ...Object.keys(NOT_DISCLOSING)].filter(
      (r) => !routes.includes(r),
    );
    expect(gone, 'matrix rows or listed routes the app no longer has').toEqual([]);
  });

  for (const row of ROWS) {
    describe(row.route, () => {
      it.each(KINDS)('as %s', async (kind) => {
        const cell = row.cells[kind];
        const before = await recentUses();
        const { url, method = 'GET', payload } = row.request();
        const res = (await f.app.inject({
          method,
          url,
          headers: headersOf(kind),
          ...(payload ? { payload } : {}),
        })) as unknown as Answer;
        expect(res.statusCode, res.body.slice(0, 400)).toBe(cell.status);
        if (cell.code !== undefined)
          expect(res.json<{ error: { code: string } }>().error.code).toBe(cell.code);
        const after = await recentUses();
        const added = [...after.values()].filter((u) => !before.has(u.id));
        if (cell.use === null) {
          expect(added, 'no use recorded').toEqual([]);
        } else {
          expect(added).toHaveLength(1);
          const use = added[0]!;
          expect(use).toMatchObject({ ...cell.use, action: row.action });
          expect(use.catalogId).toBe(row.action === 'query' ? BIRTHS_ENTRY : ENTRY);
          const who = f.runtime.tokens;
          const principal = await who.resolve(tokens[kind as Exclude<Kind, 'none'>]);
          expect(use.consumer).toEqual({
            department: principal!.department,
            user: principal!.user,
          });
          if (cell.use.outcome === 'ALLOWED') {
            const delivered = row.delivered ? row.delivered(res) : res.rawPayload;
            expect(use.deliveredDigest).toEqual({ algorithm: 'sha256', value: sha256(delivered) });
            expect(use.bytes).toBe(Buffer.byteLength(delivered));
          } else {
            expect(use).toMatchObject({ bytes: 0, deliveredDigest: null });
            expect(
              res.json<{ error: { details?: { usageId?: string } } }>().error.details?.usageId,
            ).toBe(use.id);
          }
        }
        if (res.statusCode === 200 && (kind === 'grantee' || !row.action)) row.partial?.(res);
      });
    });
  }
});
