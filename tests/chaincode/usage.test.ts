import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  TX,
  type Grant,
  type Page,
  type RequestDecisionResult,
  type UsageRecord,
  type UseCheck,
} from '@shulian/chaincode/constants';
import {
  anchor,
  anchorVersion,
  entry,
  createWorld,
  FIELDS,
  cst,
  DAY,
  hex,
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

function use(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    catalogId: 'PSB-0001',
    datasetVersion: 1,
    action: 'download',
    fields: ['name'],
    bytes: 2048,
    deliveredDigest: { algorithm: 'sha256', value: hex(9) },
    ...overrides,
  });
}

describe('usage records', () => {
  let w: World;
  let grant: Grant;
  beforeEach(async () => {
    w = await createWorld();
    await publishEntry(w, 'PSB-0001');
    await anchorVersion(w, 'PSB-0001');
    const { request } = ok<RequestDecisionResult>(
      await w.submit('marketConsumer', TX.sharing.CreateRequest, [
        shareRequest('PSB-0001', { period: { from: '2026-02-13', to: '2026-03-31' } }),
      ]),
    );
    const decided = ok<RequestDecisionResult>(
      await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{"useLimit":2}']),
    );
    if (!decided.grant) throw new Error('approval made no grant');
    grant = decided.grant;
  });

  const record = (
    overrides: Record<string, unknown> = {},
    at = T0 + HOUR,
    user:
      'marketConsumer' | 'healthConsumer' | 'marketPublisher' | 'psbConsumer' = 'marketConsumer',
  ) => w.submit(user, TX.usage.RecordUse, [use(overrides)], at);

  it('records an allowed use inside the grant and counts it', async () => {
    const r = await record({ grantId: grant.id, purpose: 'data_verification' });
    const u = ok<UsageRecord>(r);
    expect(u).toMatchObject({
      outcome: 'ALLOWED',
      grantId: grant.id,
      consumer: { department: MARKET, user: 'mona' },
      provider: PSB,
      catalogId: 'PSB-0001',
      datasetVersion: 1,
      action: 'download',
      fields: ['name'],
      bytes: 2048,
      denialCode: null,
      at: new Date(T0 + HOUR).toISOString(),
    });
    expect(u.id).toMatch(/^USE-/);
    expect(r.event).toEqual({ name: EVENTS.UseRecorded, payload: u });
    expect(
      ok<Grant>(await w.evaluate('marketConsumer', TX.sharing.GetGrant, [grant.id])).useCount,
    ).toBe(1);
  });

  it("finds the caller's covering grant when none is named", async () => {
    const u = ok<UsageRecord>(await record());
    expect(u).toMatchObject({
      outcome: 'ALLOWED',
      grantId: grant.id,
      purpose: 'data_verification',
    });
  });

  /** A refused use is a successful transaction that stores the denial, and the grant is not spent. */
  async function expectDenied(
    result: Awaited<ReturnType<typeof record>>,
    code: ErrorCode,
    words?: RegExp,
  ) {
    const u = ok<UsageRecord>(result);
    expect(u.outcome).toBe('DENIED');
    expect(u.denialCode).toBe(code);
    if (words) expect(u.denialMessage).toMatch(words);
    expect(result.event?.name).toBe(EVENTS.UseRecorded);
    const stored = ok<UsageRecord>(await w.evaluate('supervisor', TX.usage.GetUse, [u.id]));
    expect(stored).toEqual(u);
    return u;
  }

  it('denies and records fields outside the grant', async () => {
    await expectDenied(
      await record({ fields: ['name', 'address'] }),
      ErrorCode.FIELDS_NOT_GRANTED,
      /address/,
    );
    expect(
      ok<Grant>(await w.evaluate('marketConsumer', TX.sharing.GetGrant, [grant.id])).useCount,
    ).toBe(0);
  });

  it('denies and records use after the grant expired', async () => {
    await expectDenied(await record({}, cst('2026-04-01T00:00:00')), ErrorCode.GRANT_EXPIRED);
  });

  it('denies and records use before the grant starts', async () => {
    await expectDenied(await record({}, cst('2026-02-12T23:59:59')), ErrorCode.GRANT_NOT_YET_VALID);
  });

  it('denies and records use of a revoked grant', async () => {
    ok(await w.submit('psbPublisher', TX.sharing.RevokeGrant, [grant.id, '违规转授'], T0 + HOUR));
    await expectDenied(
      await record({ grantId: grant.id }, T0 + 2 * HOUR),
      ErrorCode.GRANT_REVOKED,
      /违规转授/,
    );
  });

  it('denies and records use beyond the use limit', async () => {
    ok(await record());
    ok(await record());
    await expectDenied(await record(), ErrorCode.USE_LIMIT_REACHED);
    expect(
      ok<Grant>(await w.evaluate('marketConsumer', TX.sharing.GetGrant, [grant.id])).useCount,
    ).toBe(2);
  });

  it('denies and records use for another purpose', async () => {
    await expectDenied(await record({ purpose: 'work_reference' }), ErrorCode.PURPOSE_MISMATCH);
  });

  it("denies and records use of another department's grant", async () => {
    await expectDenied(
      await record({ grantId: grant.id }, T0 + HOUR, 'healthConsumer'),
      ErrorCode.GRANT_NOT_HOLDER,
    );
  });

  it('denies and records use with no grant at all, or an unknown one', async () => {
    await expectDenied(await record({}, T0 + HOUR, 'healthConsumer'), ErrorCode.GRANT_NOT_FOUND);
    await expectDenied(await record({ grantId: 'GRANT-404' }), ErrorCode.GRANT_NOT_FOUND);
  });

  it('denies and records use by someone without the consumer role', async () => {
    await expectDenied(await record({}, T0 + HOUR, 'marketPublisher'), ErrorCode.FORBIDDEN_ROLE);
  });

  it('lets the owner department use its own data without a grant', async () => {
    expect(ok<UsageRecord>(await record({}, T0 + HOUR, 'psbConsumer'))).toMatchObject({
      outcome: 'ALLOWED',
      grantId: null,
    });
  });

  it('records a use the owner’s gateway refused as DENIED on its word, never counted', async () => {
    const u = await expectDenied(
      await record({
        grantId: grant.id,
        ownerRefusal: {
          code: 'PROVIDER_REFUSED',
          message: 'EXCHANGE_REQUEST_EXPIRED: the request was signed outside 300 s of its clock',
        },
      }),
      ErrorCode.PROVIDER_REFUSED,
      new RegExp(`^${PSB}’s gateway refused the use: EXCHANGE_REQUEST_EXPIRED: `),
    );
    expect(u).toMatchObject({ grantId: grant.id, bytes: 0, deliveredDigest: null });
    expect(u).not.toHaveProperty('ownerRefusal');
    // The grant as the owner read it keeps its own code.
    await expectDenied(
      await record({ ownerRefusal: { code: 'GRANT_EXPIRED', message: 'grant expired' } }),
      ErrorCode.GRANT_EXPIRED,
      new RegExp(`^${PSB}’s gateway refused the use: grant expired$`),
    );
    // The ledger's own reason comes first.
    await expectDenied(
      await record({
        fields: ['name', 'address'],
        ownerRefusal: { code: 'PROVIDER_REFUSED', message: 'x' },
      }),
      ErrorCode.FIELDS_NOT_GRANTED,
    );
    expect(
      ok<Grant>(await w.evaluate('marketConsumer', TX.sharing.GetGrant, [grant.id])).useCount,
    ).toBe(0);
    // Only a refusal's codes: the owner's word cannot stand for another kind of denial.
    refused(
      await record({ ownerRefusal: { code: 'FORBIDDEN_ROLE', message: 'x' } }),
      ErrorCode.INVALID_ARGUMENT,
      /ownerRefusal/,
    );
  });

  it('refuses malformed uses outright (nothing meaningful to record)', async () => {
    refused(
      await record({ action: 'print' }),
      ErrorCode.INVALID_ARGUMENT,
      /^action must be one of download, query, verify, prove$/,
    );
    refused(await record({ catalogId: 'NOPE' }), ErrorCode.CATALOG_NOT_FOUND);
    refused(await record({ datasetVersion: 7 }), ErrorCode.DATASET_VERSION_NOT_FOUND);
    refused(await record({ bytes: -1 }), ErrorCode.INVALID_ARGUMENT, /^bytes/);
  });

  it('checks a use without recording it', async () => {
    const height = w.h.height;
    const allowed = ok<UseCheck>(
      await w.evaluate('marketConsumer', TX.usage.CheckUse, [use()], T0 + HOUR),
    );
    expect(allowed).toEqual({
      allowed: true,
      grantId: grant.id,
      authorisationId: null,
      fields: ['name'],
      denialCode: null,
      denialMessage: null,
    });
    const denied = ok<UseCheck>(
      await w.evaluate('marketConsumer', TX.usage.CheckUse, [use()], T0 + 60 * DAY),
    );
    expect(denied).toMatchObject({ allowed: false, denialCode: ErrorCode.GRANT_EXPIRED });
    expect(w.h.height).toBe(height);
  });

  it('traces uses for the parties and supervisors', async () => {
    const allowed = ok<UsageRecord>(await record());
    const denied = ok<UsageRecord>(await record({ fields: ['address'] }));
    const ids = (page: Page<UsageRecord>) => page.items.map((u) => u.id).sort();
    const both = [allowed.id, denied.id].sort();
    expect(
      ids(ok(await w.evaluate('psbPublisher', TX.usage.ListUsesByProvider, [PSB, '', '']))),
    ).toEqual(both);
    expect(
      ids(ok(await w.evaluate('marketConsumer', TX.usage.ListUsesByConsumer, [MARKET, '', '']))),
    ).toEqual(both);
    expect(
      ids(ok(await w.evaluate('supervisor', TX.usage.ListUsesByCatalog, ['PSB-0001', '', '']))),
    ).toEqual(both);
    expect(
      ids(ok(await w.evaluate('supervisor', TX.usage.ListUsesByGrant, [grant.id, '', '']))),
    ).toEqual(both);
    refused(
      await w.evaluate('healthConsumer', TX.usage.GetUse, [allowed.id]),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
    refused(
      await w.evaluate('healthConsumer', TX.usage.ListUsesByConsumer, [MARKET, '', '']),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
    refused(
      await w.evaluate('healthConsumer', TX.usage.ListUsesByCatalog, ['PSB-0001', '', '']),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
    refused(
      await w.evaluate('supervisor', TX.usage.GetUse, ['USE-404']),
      ErrorCode.USAGE_NOT_FOUND,
    );
  });

  it('uses the grant’s fields when none are asked for, and records them', async () => {
    const u = ok<UsageRecord>(await record({ fields: null }));
    expect(u).toMatchObject({ outcome: 'ALLOWED', fields: ['id_number', 'name'] });
  });

  it('records a refused use as having delivered nothing, whatever the caller claimed', async () => {
    const u = await expectDenied(
      await record({ fields: ['address'], bytes: 5000 }),
      ErrorCode.FIELDS_NOT_GRANTED,
    );
    expect(u).toMatchObject({ bytes: 0, deliveredDigest: null, fields: ['address'] });
  });

  it('refuses and records a field-limited use of data that cannot be projected', async () => {
    // The entry now holds scanned copies: its versions from here on are opaque bytes.
    const metadata = entry('PSB-0001', {
      format: 'application/octet-stream',
      changeReason: 'scanned copies from now on',
    });
    delete metadata.id;
    ok(
      await w.submit(
        'psbPublisher',
        TX.catalog.UpdateEntry,
        ['PSB-0001', JSON.stringify(metadata)],
        T0 - HOUR,
      ),
    );
    ok(
      await w.submit(
        'psbPublisher',
        TX.dataset.AnchorVersion,
        [
          anchor('PSB-0001', {
            reason: 'scanned copy',
            mediaType: 'application/octet-stream',
            recordRoot: null,
            recordCount: null,
          }),
        ],
        T0 - HOUR,
      ),
    );
    const u = await expectDenied(
      await record({ datasetVersion: 2, fields: null }),
      ErrorCode.FIELDS_NOT_PROJECTABLE,
      /application\/octet-stream/,
    );
    expect(u.bytes).toBe(0);
    // Every field of it (the owner) is the file as it is: allowed.
    expect(
      ok<UsageRecord>(await record({ datasetVersion: 2, fields: null }, T0 + HOUR, 'psbConsumer')),
    ).toMatchObject({ outcome: 'ALLOWED', fields: FIELDS.map((f) => f.name) });
  });

  it('records a record proof as a use, with the record index', async () => {
    const owner = ok<UsageRecord>(
      await record({ action: 'prove', recordIndex: 7, fields: null }, T0 + HOUR, 'psbConsumer'),
    );
    expect(owner).toMatchObject({ outcome: 'ALLOWED', action: 'prove', recordIndex: 7 });
    const stranger = await expectDenied(
      await record({ action: 'prove', recordIndex: 7, fields: null }, T0 + HOUR, 'healthConsumer'),
      ErrorCode.GRANT_NOT_FOUND,
    );
    expect(stranger).toMatchObject({ action: 'prove', recordIndex: 7 });
    refused(
      await record({ action: 'prove', recordIndex: 1200, fields: null }, T0 + HOUR, 'psbConsumer'),
      ErrorCode.RECORD_NOT_FOUND,
    );
    refused(
      await record({ action: 'download', recordIndex: 1 }),
      ErrorCode.INVALID_ARGUMENT,
      /prove uses only/,
    );
  });

  it('allows a record proof limited to the granted fields (fields are committed one by one)', async () => {
    const limited = ok<UsageRecord>(
      await record({ grantId: grant.id, action: 'prove', recordIndex: 7, fields: ['name'] }),
    );
    expect(limited).toMatchObject({
      outcome: 'ALLOWED',
      action: 'prove',
      recordIndex: 7,
      fields: ['name'],
    });
    await expectDenied(
      await record({ grantId: grant.id, action: 'prove', recordIndex: 7, fields: ['address'] }),
      ErrorCode.FIELDS_NOT_GRANTED,
    );
  });
});
