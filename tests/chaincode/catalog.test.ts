import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  isOverdue,
  TX,
  type CatalogEntry,
  type CatalogUpdateRequirement,
  type DatasetVersion,
  type HistoryItem,
  type Page,
} from '@shulian/chaincode/constants';
import {
  anchor,
  COORD,
  createWorld,
  cst,
  entry,
  hex,
  MARKET,
  ok,
  PSB,
  publishEntry,
  refused,
  T0,
  DAY,
  type World,
} from './world.js';

/** The key-level endorsement policy stored on a committed key, as the orgs it names. */
async function endorsingOrgs(w: World, type: string, attributes: string[]): Promise<string[]> {
  const key = `\u0000${type}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`;
  const stored = await w.h.state.get(key);
  expect(
    stored?.validationParameter,
    `no key-level policy on ${JSON.stringify(key)}`,
  ).toBeDefined();
  // Loaded late: fabric-shim fixes its log level on first load, after the harness has set it.
  const { KeyEndorsementPolicy } = await import('fabric-shim');
  return new KeyEndorsementPolicy(stored?.validationParameter).listOrgs();
}

describe('catalog entries', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
  });

  const create = (
    overrides: Record<string, unknown> = {},
    user: 'psbPublisher' | 'marketPublisher' = 'psbPublisher',
  ) => w.submit(user, TX.catalog.CreateEntry, [JSON.stringify(entry('PSB-0001', overrides))]);

  it('publishes an entry owned by the caller department, endorsed only by it', async () => {
    const r = await create();
    const e = ok<CatalogEntry>(r);
    expect(e).toMatchObject({
      id: 'PSB-0001',
      owner: PSB,
      version: 1,
      status: 'active',
      changeReason: null,
    });
    expect(e.createdBy).toEqual({ department: PSB, user: 'pia' });
    expect(r.event).toEqual({ name: EVENTS.CatalogEntryCreated, payload: e });
    expect(await endorsingOrgs(w, 'catalog', ['PSB-0001'])).toEqual([PSB]);
    expect(await endorsingOrgs(w, 'catalogVersion', ['PSB-0001', '0000000001'])).toEqual([PSB]);
    // every department reads the catalog
    expect(
      ok<CatalogEntry>(await w.evaluate('healthConsumer', TX.catalog.GetEntry, ['PSB-0001'])),
    ).toEqual(e);
  });

  it('stores canonical JSON: sorted keys, no white space', async () => {
    const e = ok<CatalogEntry>(await create());
    const r = await w.evaluate('healthConsumer', TX.catalog.GetEntry, [e.id]);
    const keys = Object.keys(JSON.parse(r.payload) as object);
    expect(keys).toEqual([...keys].sort());
    expect(r.payload).not.toMatch(/\n|": /);
  });

  it('requires a cited legal basis for 不予共享', async () => {
    refused(
      await create({ shareType: 'not_shared', legalBasis: null }),
      ErrorCode.LEGAL_BASIS_REQUIRED,
      /legalBasis/,
    );
    const e = ok<CatalogEntry>(
      await create({
        shareType: 'not_shared',
        legalBasis: '《中华人民共和国居民身份证法》第十三条',
      }),
    );
    expect(e.shareType).toBe('not_shared');
  });

  it('requires conditions for conditional sharing', async () => {
    refused(await create({ shareConditions: null }), ErrorCode.INVALID_ARGUMENT, /shareConditions/);
  });

  it('declares its format as one of the media types, by its canonical name', async () => {
    refused(
      await create({ format: 'CSV' }),
      ErrorCode.INVALID_ARGUMENT,
      /format must be one of text\/csv/,
    );
    refused(await create({ format: 'text/html' }), ErrorCode.INVALID_ARGUMENT, /format/);
    expect(ok<CatalogEntry>(await create({ format: 'application/x-ndjson' })).format).toBe(
      'application/x-ndjson',
    );
  });

  it('names the bad field', async () => {
    const fields = [...(entry('x').fields as object[])];
    fields[2] = { name: 'address', type: 'string', sensitivity: 'secret' };
    refused(
      await create({ fields }),
      ErrorCode.INVALID_ARGUMENT,
      /^fields\[2\]\.sensitivity must be one of public, internal, sensitive, important$/,
    );
    refused(await create({ fields: [] }), ErrorCode.INVALID_ARGUMENT, /^fields must not be empty$/);
    refused(
      await create({ publishDate: '2026-13-01' }),
      ErrorCode.INVALID_ARGUMENT,
      /^publishDate/,
    );
    refused(
      await create({ shareMethods: ['fax'] }),
      ErrorCode.INVALID_ARGUMENT,
      /^shareMethods\[0\]/,
    );
    refused(
      await create({ owner: MARKET }),
      ErrorCode.INVALID_ARGUMENT,
      /^owner is not a known field/,
    );
    refused(
      await create({ fields: [FIELD('a'), FIELD('a')] }),
      ErrorCode.INVALID_ARGUMENT,
      /^fields\[1\]\.name a repeats/,
    );
  });

  it('needs the publisher role and a new id', async () => {
    refused(
      await w.submit('psbConsumer', TX.catalog.CreateEntry, [JSON.stringify(entry('PSB-0002'))]),
      ErrorCode.FORBIDDEN_ROLE,
      /publisher/,
    );
    ok(await create());
    refused(await create(), ErrorCode.ALREADY_EXISTS);
  });

  it('versions every update, keeps each version and the full history', async () => {
    ok(await create());
    const r = await w.submit(
      'psbPublisher',
      TX.catalog.UpdateEntry,
      [
        'PSB-0001',
        JSON.stringify({
          ...withoutId(entry('x')),
          updateFrequency: 'weekly',
          changeReason: '职责调整',
        }),
      ],
      T0 + DAY,
    );
    const v2 = ok<CatalogEntry>(r);
    expect(v2).toMatchObject({ version: 2, updateFrequency: 'weekly', changeReason: '职责调整' });
    expect(v2.createdAt).toBe(new Date(T0).toISOString());
    expect(r.event).toEqual({
      name: EVENTS.CatalogEntryUpdated,
      payload: { entry: v2, requirement: null },
    });
    const v1 = ok<CatalogEntry>(
      await w.evaluate('marketConsumer', TX.catalog.GetEntryVersion, ['PSB-0001', '1']),
    );
    expect(v1.updateFrequency).toBe('daily');
    const history = ok<HistoryItem<CatalogEntry>[]>(
      await w.evaluate('marketConsumer', TX.catalog.GetEntryHistory, ['PSB-0001']),
    );
    expect(history.map((h) => h.value?.version)).toEqual([2, 1]);
    expect(history[0]?.timestamp).toBe(new Date(T0 + DAY).toISOString());
    refused(
      await w.evaluate('marketConsumer', TX.catalog.GetEntryVersion, ['PSB-0001', '3']),
      ErrorCode.CATALOG_NOT_FOUND,
    );
    refused(
      await w.evaluate('marketConsumer', TX.catalog.GetEntryVersion, ['PSB-0001', 'two']),
      ErrorCode.INVALID_ARGUMENT,
      /^version must be a version number/,
    );
  });

  it('lets only the owner department change its entries', async () => {
    ok(await create());
    const update = JSON.stringify({ ...withoutId(entry('x')), changeReason: 'takeover' });
    refused(
      await w.submit('marketPublisher', TX.catalog.UpdateEntry, ['PSB-0001', update]),
      ErrorCode.NOT_OWNER,
    );
    refused(
      await w.submit('marketPublisher', TX.catalog.RetireEntry, ['PSB-0001', 'mine now']),
      ErrorCode.NOT_OWNER,
    );
    refused(
      await w.submit('psbConsumer', TX.catalog.UpdateEntry, ['PSB-0001', update]),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('psbPublisher', TX.catalog.UpdateEntry, ['PSB-0404', update]),
      ErrorCode.CATALOG_NOT_FOUND,
    );
    refused(
      await w.submit('psbPublisher', TX.catalog.UpdateEntry, [
        'PSB-0001',
        JSON.stringify(withoutId(entry('x'))),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^changeReason must be a string$/,
    );
  });

  it('retires an entry with a reason; a retired entry no longer changes', async () => {
    ok(await create());
    const r = await w.submit('psbPublisher', TX.catalog.RetireEntry, ['PSB-0001', '系统下线']);
    expect(ok<CatalogEntry>(r)).toMatchObject({
      status: 'retired',
      version: 2,
      changeReason: '系统下线',
    });
    expect(r.event?.name).toBe(EVENTS.CatalogEntryRetired);
    refused(
      await w.submit('psbPublisher', TX.catalog.RetireEntry, ['PSB-0001', 'again']),
      ErrorCode.CATALOG_RETIRED,
    );
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0001')]),
      ErrorCode.CATALOG_RETIRED,
    );
  });

  it('lists entries by owner with pagination', async () => {
    for (const id of ['PSB-0001', 'PSB-0002', 'PSB-0003']) {
      ok(await w.submit('psbPublisher', TX.catalog.CreateEntry, [JSON.stringify(entry(id))]));
    }
    ok(
      await w.submit('marketPublisher', TX.catalog.CreateEntry, [
        JSON.stringify(entry('MKT-0001')),
      ]),
    );
    const page = ok<Page<CatalogEntry>>(
      await w.evaluate('healthConsumer', TX.catalog.ListEntriesByOwner, [PSB, '2', '']),
    );
    expect(page.items.map((e) => e.id)).toEqual(['PSB-0001', 'PSB-0002']);
    const rest = ok<Page<CatalogEntry>>(
      await w.evaluate('healthConsumer', TX.catalog.ListEntriesByOwner, [PSB, '2', page.bookmark]),
    );
    expect(rest.items.map((e) => e.id)).toEqual(['PSB-0003']);
    const all = ok<Page<CatalogEntry>>(
      await w.evaluate('healthConsumer', TX.catalog.ListEntries, ['', '']),
    );
    expect(all.items).toHaveLength(4);
  });
});

describe('catalog update requirements', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
    await publishEntry(w, 'PSB-0001');
  });

  const demand = (at = T0, reason = '机构改革: 职责调整') =>
    w.submit('coordAdmin', TX.catalog.RequireUpdate, ['PSB-0001', reason], at);
  const current = async () =>
    ok<CatalogUpdateRequirement>(
      await w.evaluate('healthConsumer', TX.catalog.GetUpdateRequirement, ['PSB-0001']),
    );
  const listed = async (fcn: string, arg: string) =>
    ok<Page<CatalogUpdateRequirement>>(await w.evaluate('supervisor', fcn, [arg, '', ''])).items;

  it('gives the owner 15 working days; its next update answers the requirement', async () => {
    const r = await demand();
    const required = ok<CatalogUpdateRequirement>(r);
    // Fri 13 Feb: Sat 14 (调休) is day 1, 春节 to 23 Feb, Sat 28 Feb (调休) is day 6: Thu 12 Mar.
    expect(required).toEqual({
      catalogId: 'PSB-0001',
      owner: PSB,
      reason: '机构改革: 职责调整',
      status: 'open',
      requiredAt: new Date(T0).toISOString(),
      requiredBy: { department: COORD, user: 'alice' },
      deadline: new Date(cst('2026-03-12T23:59:59.999')).toISOString(),
      deadlineProvisional: false,
      deadlineUnpublishedYears: [],
      answer: null,
    });
    expect(r.event).toEqual({ name: EVENTS.CatalogUpdateRequired, payload: required });
    expect(isOverdue(required, cst('2026-03-12T23:59:59'))).toBe(false);
    expect(isOverdue(required, cst('2026-03-13T00:00:01'))).toBe(true);
    expect(await current()).toEqual(required);
    expect(await listed(TX.catalog.ListUpdateRequirementsByOwner, PSB)).toEqual([required]);
    expect(await listed(TX.catalog.ListUpdateRequirementsByStatus, 'open')).toEqual([required]);
    // A second demand would move the deadline already owed.
    refused(await demand(T0 + DAY), ErrorCode.INVALID_STATE, /already has an update due/);

    const update = JSON.stringify({ ...withoutId(entry('x')), changeReason: '按职责调整更新' });
    const at = cst('2026-03-10T09:00:00');
    const u = await w.submit('psbPublisher', TX.catalog.UpdateEntry, ['PSB-0001', update], at);
    const answered = await current();
    expect(answered).toEqual({
      ...required,
      status: 'updated',
      answer: { version: 2, at: new Date(at).toISOString(), by: { department: PSB, user: 'pia' } },
    });
    // The event says what was decided, so the index need not re-decide it.
    expect(u.event).toEqual({
      name: EVENTS.CatalogEntryUpdated,
      payload: { entry: ok<CatalogEntry>(u), requirement: answered },
    });
    expect(isOverdue(answered, cst('2026-12-31T00:00:00'))).toBe(false);
    expect(await listed(TX.catalog.ListUpdateRequirementsByStatus, 'open')).toEqual([]);
    expect(await listed(TX.catalog.ListUpdateRequirementsByStatus, 'updated')).toEqual([answered]);

    // Later changes of duty may require the next update; the history keeps each one.
    ok(await demand(cst('2026-04-01T10:00:00'), '法规修订'));
    const history = ok<HistoryItem<CatalogUpdateRequirement>[]>(
      await w.evaluate('marketConsumer', TX.catalog.GetUpdateRequirementHistory, ['PSB-0001']),
    );
    expect(history.map((h) => [h.value?.status, h.value?.reason])).toEqual([
      ['open', '法规修订'],
      ['updated', '机构改革: 职责调整'],
      ['open', '机构改革: 职责调整'],
    ]);
  });

  it('is answered by retiring the entry too', async () => {
    ok(await demand());
    const r = await w.submit('psbPublisher', TX.catalog.RetireEntry, [
      'PSB-0001',
      '职责划出, 不再维护',
    ]);
    const answered = await current();
    expect(answered).toMatchObject({
      status: 'retired',
      answer: { version: 2, by: { department: PSB, user: 'pia' } },
    });
    expect(r.event?.payload).toEqual({ entry: ok<CatalogEntry>(r), requirement: answered });
  });

  it('counts through an unpublished year with a provisional deadline', async () => {
    // Sun 20 Dec 2026: 21-25 and 28-31 Dec, then 2027 counts Monday to Friday: Fri 8 Jan.
    expect(ok<CatalogUpdateRequirement>(await demand(cst('2026-12-20T10:00:00')))).toMatchObject({
      deadline: new Date(cst('2027-01-08T23:59:59.999')).toISOString(),
      deadlineProvisional: true,
      deadlineUnpublishedYears: [2027],
    });
  });

  it('is for the coordinator admin, with a reason, on an existing active entry', async () => {
    const args = (id = 'PSB-0001', reason = '职责调整') => [id, reason];
    refused(
      await w.submit('psbAdmin', TX.catalog.RequireUpdate, args()),
      ErrorCode.NOT_COORDINATOR,
    );
    refused(
      await w.submit('supervisor', TX.catalog.RequireUpdate, args()),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('coordAdmin', TX.catalog.RequireUpdate, args('PSB-0404')),
      ErrorCode.CATALOG_NOT_FOUND,
    );
    refused(
      await w.submit('coordAdmin', TX.catalog.RequireUpdate, args('PSB-0001', ' ')),
      ErrorCode.REASON_REQUIRED,
    );
    refused(
      await w.evaluate('healthConsumer', TX.catalog.GetUpdateRequirement, ['PSB-0001']),
      ErrorCode.UPDATE_REQUIREMENT_NOT_FOUND,
    );
    refused(
      await w.evaluate('supervisor', TX.catalog.ListUpdateRequirementsByStatus, ['late', '', '']),
      ErrorCode.INVALID_ARGUMENT,
      /^status must be one of open, updated, retired$/,
    );
    ok(await w.submit('psbPublisher', TX.catalog.RetireEntry, ['PSB-0001', '系统下线']));
    refused(
      await w.submit('coordAdmin', TX.catalog.RequireUpdate, args()),
      ErrorCode.CATALOG_RETIRED,
    );
  });
});

describe('dataset versions', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
    ok(await w.submit('psbPublisher', TX.catalog.CreateEntry, [JSON.stringify(entry('PSB-0001'))]));
  });

  it('anchors version 1 with digest, Merkle roots and record batch, endorsed by the owner', async () => {
    const r = await w.submit('psbPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0001')]);
    const v = ok<DatasetVersion>(r);
    expect(v).toMatchObject({
      id: 'PSB-0001@1',
      version: 1,
      owner: PSB,
      previousVersion: null,
      digest: { algorithm: 'sha256', value: hex(1) },
      chunkRoot: hex(2),
      recordRoot: hex(3),
      recordCount: 1200,
      reason: null,
    });
    expect(r.event).toEqual({ name: EVENTS.DatasetVersionAnchored, payload: v });
    expect(await endorsingOrgs(w, 'dataset', ['PSB-0001', '0000000001'])).toEqual([PSB]);
  });

  it('refuses a version whose media type is not the format its entry declares', async () => {
    for (const mediaType of [
      'text/html',
      'image/svg+xml',
      'application/x-ndjson',
      'application/octet-stream',
    ]) {
      refused(
        await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
          anchor('PSB-0001', { mediaType }),
        ]),
        ErrorCode.MEDIA_TYPE_MISMATCH,
        /text\/csv/,
      );
    }
    // Parameters and case do not make another format.
    ok(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { mediaType: 'Text/CSV; charset=utf-8' }),
      ]),
    );
  });

  it('reads an entry declared with free text before formats were media types as the type it named', async () => {
    // PSB-0001 as an earlier chaincode stored it: format 'CSV'.
    const key = `\u0000catalog\u0000PSB-0001\u0000`;
    const stored = (await w.h.state.get(key))!;
    const old = {
      ...(JSON.parse(Buffer.from(stored.value).toString()) as CatalogEntry),
      format: 'CSV',
    };
    stored.value = Buffer.from(JSON.stringify(old));
    const read = ok<CatalogEntry>(
      await w.evaluate('psbPublisher', TX.catalog.GetEntry, ['PSB-0001']),
    );
    expect(read.format).toBe('text/csv');
    ok(await w.submit('psbPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0001')]));
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { mediaType: 'text/html', reason: 'a page' }),
      ]),
      ErrorCode.MEDIA_TYPE_MISMATCH,
    );
  });

  it('chains later versions to the previous one and needs a reason for them', async () => {
    ok(await w.submit('psbPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0001')]));
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { digest: { algorithm: 'sha256', value: hex(4) } }),
      ]),
      ErrorCode.REASON_REQUIRED,
    );
    const v2 = ok<DatasetVersion>(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', {
          digest: { algorithm: 'sm3', value: hex(5) },
          recordRoot: null,
          recordCount: null,
          reason: 'corrects objection OBJ-1',
        }),
      ]),
    );
    expect(v2).toMatchObject({
      version: 2,
      previousVersion: 1,
      digest: { algorithm: 'sm3' },
      recordRoot: null,
    });
    const latest = ok<DatasetVersion>(
      await w.evaluate('healthConsumer', TX.dataset.GetLatestVersion, ['PSB-0001']),
    );
    expect(latest.version).toBe(2);
    const first = ok<DatasetVersion>(
      await w.evaluate('healthConsumer', TX.dataset.GetVersion, ['PSB-0001', '1']),
    );
    expect(first.digest.value).toBe(hex(1));
    const page = ok<Page<DatasetVersion>>(
      await w.evaluate('healthConsumer', TX.dataset.ListVersions, ['PSB-0001', '', '']),
    );
    expect(page.items.map((x) => x.version)).toEqual([1, 2]);
    const found = ok<Page<DatasetVersion>>(
      await w.evaluate('healthConsumer', TX.dataset.FindVersionsByDigest, ['sm3', hex(5), '', '']),
    );
    expect(found.items.map((x) => x.id)).toEqual(['PSB-0001@2']);
    refused(
      await w.evaluate('healthConsumer', TX.dataset.FindVersionsByDigest, ['md5', hex(5), '', '']),
      ErrorCode.INVALID_ARGUMENT,
      /^algorithm must be one of sha256, sm3$/,
    );
  });

  it('refuses other departments, non-publishers and malformed anchors', async () => {
    ok(
      await w.submit('marketPublisher', TX.catalog.CreateEntry, [
        JSON.stringify(entry('MKT-0001')),
      ]),
    );
    refused(
      await w.submit('marketPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0001')]),
      ErrorCode.NOT_OWNER,
    );
    refused(
      await w.submit('psbConsumer', TX.dataset.AnchorVersion, [anchor('PSB-0001')]),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [anchor('PSB-0404')]),
      ErrorCode.CATALOG_NOT_FOUND,
    );
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { digest: { algorithm: 'md5', value: hex(1) } }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^digest\.algorithm must be one of sha256, sm3$/,
    );
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { chunkRoot: 'ABC' }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^chunkRoot/,
    );
    refused(
      await w.submit('psbPublisher', TX.dataset.AnchorVersion, [
        anchor('PSB-0001', { recordCount: null }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /recordRoot and recordCount/,
    );
    refused(
      await w.evaluate('psbConsumer', TX.dataset.GetLatestVersion, ['PSB-0001']),
      ErrorCode.DATASET_VERSION_NOT_FOUND,
    );
  });
});

function withoutId(value: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...value };
  delete rest.id;
  return rest;
}

function FIELD(name: string): Record<string, string> {
  return { name, type: 'string', sensitivity: 'public' };
}
