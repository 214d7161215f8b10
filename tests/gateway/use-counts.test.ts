/**
 * Uses counted one key per use (chaincode/src/lib/uses.ts) on the embedded network, with real
 * endorsement, ordering and MVCC validation: concurrent uses under an unlimited grant do not
 * conflict (the grant's count was a hot key every use wrote), and concurrent uses racing for the
 * last uses of a grant or of a subject's authorisation never exceed the limit.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TX,
  type Authorisation,
  type Grant,
  type SubjectBinding,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import {
  BIRTH_CONSUMER,
  BIRTH_PURPOSE,
  BIRTH_VERIFIER,
  birthAuthorisationTerms,
  birthRecordsCsv,
  grantBirthRoles,
  idNumber,
  setUpBirthRecords,
  signedBy,
  type BirthRecordsSetUp,
} from '../../gateway/src/demo/subjects.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let unlimited: BirthRecordsSetUp;
let limited: BirthRecordsSetUp;

beforeAll(async () => {
  f = await openFixture();
  await grantBirthRoles(f.runtime);
  unlimited = await setUpBirthRecords(f.runtime, {
    catalogId: 'PSB-BIRTH-USES',
    source: birthRecordsCsv(8),
  });
  limited = await setUpBirthRecords(f.runtime, {
    catalogId: 'PSB-BIRTH-LIMIT',
    source: birthRecordsCsv(8),
    useLimit: 3,
  });
}, 120_000);

afterAll(() => f.close());

/** Submits every use at once; a use refused with MVCC_CONFLICT is sent again, as a client would. */
async function concurrently(
  uses: object[],
): Promise<{ records: UsageRecord[]; conflicts: number }> {
  let conflicts = 0;
  const records = await Promise.all(
    uses.map(async (use) => {
      for (;;) {
        try {
          const { value } = await f.runtime.chaincode.submit<UsageRecord>(
            BIRTH_CONSUMER,
            TX.usage.RecordUse,
            [use],
          );
          return value;
        } catch (err) {
          if ((err as { code?: string }).code !== 'MVCC_CONFLICT') throw err;
          conflicts++;
        }
      }
    }),
  );
  return { records, conflicts };
}

/** A use of the hospital column only (no consent field), as a projected download. */
const download = (s: BirthRecordsSetUp) => ({
  grantId: null,
  catalogId: s.catalogId,
  datasetVersion: s.version,
  action: 'download',
  fields: ['hospital'],
  purpose: BIRTH_PURPOSE,
  bytes: 0,
  deliveredDigest: null,
});

const grantOf = async (id: string) =>
  (await f.runtime.chaincode.evaluate<Grant>(BIRTH_CONSUMER, TX.sharing.GetGrant, [id])).useCount;

describe('uses counted one key per use', () => {
  it('lets concurrent uses under an unlimited grant all commit without an MVCC conflict', async () => {
    const { records, conflicts } = await concurrently(
      Array.from({ length: 12 }, () => download(unlimited)),
    );
    expect(records.map((r) => r.outcome)).toEqual(Array(12).fill('ALLOWED'));
    expect(conflicts).toBe(0);
    expect(await grantOf(unlimited.grantId)).toBe(12);
  });

  it('never allows more uses than the grant’s limit, however many race for them', async () => {
    const { records } = await concurrently(Array.from({ length: 10 }, () => download(limited)));
    const allowed = records.filter((r) => r.outcome === 'ALLOWED');
    expect(allowed).toHaveLength(3);
    expect(new Set(records.filter((r) => r.outcome === 'DENIED').map((r) => r.denialCode))).toEqual(
      new Set(['USE_LIMIT_REACHED']),
    );
    expect(await grantOf(limited.grantId)).toBe(3);
    // And afterwards, one at a time, still none.
    const [after] = (await concurrently([download(limited)])).records;
    expect(after?.denialCode).toBe('USE_LIMIT_REACHED');
  });

  it('never allows more queries than the subject authorised, however many race for them', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const identifier = idNumber(3);
    const subject = f.runtime.context().subjects.pseudonym('person', identifier);
    await f.runtime.chaincode.submit<SubjectBinding>(BIRTH_VERIFIER, TX.consent.BindSubject, [
      {
        subject,
        kind: 'person',
        publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        reason: null,
      },
    ]);
    const terms = birthAuthorisationTerms(subject, unlimited.catalogId, 2, 'use-counts-1');
    const { value: authorisation } = await f.runtime.chaincode.submit<Authorisation>(
      BIRTH_CONSUMER,
      TX.consent.SubmitAuthorisation,
      [signedBy(keys.privateKey, terms)],
    );
    const query = {
      grantId: null,
      catalogId: unlimited.catalogId,
      datasetVersion: unlimited.version,
      action: 'query',
      fields: null,
      purpose: BIRTH_PURPOSE,
      subject,
      authorisationId: authorisation.id,
      bytes: 0,
      deliveredDigest: null,
    };
    const { records } = await concurrently(Array.from({ length: 8 }, () => query));
    expect(records.filter((r) => r.outcome === 'ALLOWED')).toHaveLength(2);
    expect(records.filter((r) => r.denialCode === 'AUTHORISATION_SPENT')).toHaveLength(6);
    const read = await f.runtime.chaincode.evaluate<Authorisation>(
      BIRTH_CONSUMER,
      TX.consent.GetAuthorisation,
      [authorisation.id],
    );
    expect(read.useCount).toBe(2);
  });
});
