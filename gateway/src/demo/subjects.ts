/**
 * Public security's birth records (出生医学证明), the one setting every data-subject scenario
 * uses: the catalog entry (two fields need the person's consent, the subject column is the
 * 身份证号), generated rows, health's request for a 户口登记 verification, and a citizen's signed
 * authorisation. Used by the API acceptance test, the browser test of the digital safe and
 * `bench:subjects`, so the three describe the same entry; `setUpBirthRecords` runs the whole
 * set-up through a runtime, the browser test posts the same values through the API.
 */
import { sign, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import {
  SUBJECT_STATEMENTS,
  TX,
  type AuthorisationTerms,
  type RequestDecisionResult,
} from '@shulian/chaincode/constants';
import type { Caller } from '../ledger/types.js';
import type { Runtime } from '../services/runtime.js';

export const BIRTH_PURPOSE = 'data_verification';
export const BIRTH_MATTER = '户口登记时核验出生医学证明';
/** The fields that need the person's own authorisation. */
export const BIRTH_CONSENT_FIELDS = ['child_name', 'birth_date'];
export const BIRTH_HEADER = 'id_number,child_name,birth_date,hospital';

/** The CreateEntry input of a birth-records entry (also what POST /catalog takes). */
export function birthRecordsEntry(id: string) {
  return {
    id,
    name: '出生医学证明信息',
    classification: 'base',
    abstract: '出生医学证明签发记录',
    format: 'text/csv',
    fields: [
      { name: 'id_number', nameZh: '身份证号', type: 'string', sensitivity: 'sensitive' },
      ...[
        { name: 'child_name', nameZh: '新生儿姓名', type: 'string' },
        { name: 'birth_date', nameZh: '出生日期', type: 'date' },
      ].map((f) => ({ ...f, sensitivity: 'sensitive', consent: 'person' })),
      { name: 'hospital', nameZh: '签发机构', type: 'string', sensitivity: 'internal' },
    ],
    subjectField: 'id_number',
    shareType: 'conditional',
    shareConditions: BIRTH_MATTER,
    legalBasis: null,
    shareMethods: ['online_query'],
    openness: 'not_open',
    updateFrequency: 'daily',
    publishDate: '2026-01-05',
    relatedResources: [],
    sourceSystem: null,
    scenarios: ['出生医学证明核验'],
  };
}

/** Health's CreateRequest input for every field of the entry, from today (Beijing) on. */
export function birthRecordsRequest(catalogId: string) {
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  return {
    catalogId,
    fields: ['id_number', ...BIRTH_CONSENT_FIELDS, 'hospital'],
    purpose: BIRTH_PURPOSE,
    scenario: '户口登记：核验出生医学证明',
    period: { from: today, to: '2099-12-31' },
  };
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_DIGITS = '10X98765432';

/** The i-th generated 身份证号: a Jinan area code, 11 digits of i, the GB 11643 check digit. */
export function idNumber(i: number): string {
  const body = `370102${String(i).padStart(11, '0')}`;
  let sum = 0;
  for (let d = 0; d < 17; d++) sum += Number(body[d]) * WEIGHTS[d]!;
  return body + CHECK_DIGITS[sum % 11]!;
}

/** The birth record of generated row i (no trailing newline). */
export function birthRow(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  return `${idNumber(i)},新生儿${i},2025-${String(1 + (i % 12)).padStart(2, '0')}-${day},市第${1 + (i % 9)}人民医院`;
}

/** `count` generated rows after the header, produced as they are read (never held whole). */
export function* birthRecordsCsv(count: number): Generator<Uint8Array> {
  yield Buffer.from(`${BIRTH_HEADER}\n`);
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    let text = '';
    for (let i = start; i < Math.min(count, start + batch); i++) text += `${birthRow(i)}\n`;
    yield Buffer.from(text);
  }
}

/** A statement signed in the subject's key as the chaincode verifies it (ECDSA P-256, P1363). */
export function signedBy<T>(key: KeyObject, payload: T): { payload: T; signature: string } {
  const signature = sign('sha256', canonicalBytes(payload), { key, dsaEncoding: 'ieee-p1363' });
  return { payload, signature: signature.toString('base64') };
}

/** A citizen's authorisation of health for the consent fields of `catalogId`. */
export function birthAuthorisationTerms(
  subject: string,
  catalogId: string,
  maxUses: number,
  nonce: string,
): AuthorisationTerms {
  const now = Date.now();
  return {
    statement: SUBJECT_STATEMENTS.authorise,
    subject,
    consumer: 'health',
    entries: [{ catalogId, fields: BIRTH_CONSENT_FIELDS }],
    purpose: BIRTH_PURPOSE,
    matter: BIRTH_MATTER,
    validFrom: new Date(now - 60_000).toISOString(),
    validTo: new Date(now + 86_400_000).toISOString(),
    maxUses,
    nonce,
  };
}

export const BIRTH_PUBLISHER: Caller = { department: 'psb', user: 'clerk' };
export const BIRTH_VERIFIER: Caller = { department: 'psb', user: 'vera' };
export const BIRTH_CONSUMER: Caller = { department: 'health', user: 'clerk' };

export interface BirthRecordsSetUp {
  catalogId: string;
  /** The version anchored record by record. */
  version: number;
  grantId: string;
  recordCount: number;
  size: number;
  anchorSeconds: number;
}

/** The roles of the scenario: psb's clerk publishes, vera verifies; health's clerk consumes. */
export async function grantBirthRoles(runtime: Runtime): Promise<void> {
  const admin = (department: string): Caller => ({ department, user: 'admin' });
  const roles = TX.governance.SetUserRoles;
  await runtime.chaincode.submit(admin('psb'), roles, [BIRTH_PUBLISHER.user, ['publisher']]);
  await runtime.chaincode.submit(admin('psb'), roles, [BIRTH_VERIFIER.user, ['verifier']]);
  await runtime.chaincode.submit(admin('health'), roles, [BIRTH_CONSUMER.user, ['consumer']]);
}

/**
 * The entry, a version of `source` anchored record by record, and health's approved grant
 * (`useLimit` uses, or none); the roles of grantBirthRoles must be set.
 */
export async function setUpBirthRecords(
  runtime: Runtime,
  options: { catalogId: string; source: Iterable<Uint8Array>; useLimit?: number | null },
): Promise<BirthRecordsSetUp> {
  const { chaincode, datasets } = runtime;
  await chaincode.submit(BIRTH_PUBLISHER, TX.catalog.CreateEntry, [
    birthRecordsEntry(options.catalogId),
  ]);
  const started = performance.now();
  const anchored = await datasets.anchor(BIRTH_PUBLISHER, {
    catalogId: options.catalogId,
    source: Readable.from(options.source),
    mediaType: null,
    reason: null,
    algorithm: 'sha256',
    maxBytes: 1 << 30,
  });
  const anchorSeconds = (performance.now() - started) / 1000;
  const { value } = await chaincode.submit<RequestDecisionResult>(
    BIRTH_CONSUMER,
    TX.sharing.CreateRequest,
    [birthRecordsRequest(options.catalogId)],
  );
  const approved = await chaincode.submit<RequestDecisionResult>(
    BIRTH_PUBLISHER,
    TX.sharing.ApproveRequest,
    [value.request.id, { useLimit: options.useLimit ?? null, reason: null }],
  );
  const { grant } = approved.value;
  if (!grant) throw new Error(`approving ${value.request.id} gave no grant`);
  return {
    catalogId: options.catalogId,
    version: anchored.value.version,
    grantId: grant.id,
    recordCount: anchored.value.recordCount ?? 0,
    size: anchored.value.size,
    anchorSeconds,
  };
}
