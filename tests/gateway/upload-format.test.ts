/**
 * Uploads must match their catalog entry's declared format (issue 11): an entry declares a media
 * type, and bytes of another kind (a page, an image, binary data, the other tabular format) are
 * refused 415 MEDIA_TYPE_MISMATCH, by the request's Content-Type before the body is read or by
 * sniffing the bytes; nothing is stored or anchored. Entries declared with free text before
 * formats were media types ('CSV') read as the type they named.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetFormatOf,
  EVENTS,
  storedFormatOf,
  type CatalogEntry,
  type DatasetVersion,
} from '@shulian/chaincode/constants';
import { MAX_RECORD_CHARS } from '@shulian/proof/records';
import { entitiesOf } from '../../gateway/src/index/entities.js';
import { formatCheck } from '../../gateway/src/services/upload-format.js';
import { openFixture, writableMetadata, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
  const population = (
    await f.app.inject({ method: 'GET', url: '/api/v1/catalog/PSB-POP-001', headers: psb() })
  ).json<Record<string, unknown>>();
  for (const [id, format] of [
    ['PSB-PNG-001', 'image/png'],
    ['PSB-JSON-001', 'application/json'],
    ['PSB-BIN-001', 'application/octet-stream'],
  ]) {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog',
      headers: psb(),
      payload: { ...writableMetadata(population), id, format, name: `${format} 样例` },
    });
    expect(created.statusCode, created.body).toBe(201);
  }
}, 120_000);
afterAll(() => f.close());

const psb = () => f.auth('psb', 'clerk');
const owners: Record<string, [string, string]> = {
  'AMR-ENT-001': ['amr', 'clerk'],
  'HLT-ORG-001': ['health', 'clerk'],
};
const ownerOf = (id: string) => (owners[id] ? f.auth(...owners[id]) : psb());

const upload = (catalogId: string, body: string | Buffer | Readable, contentType?: string) =>
  f.app.inject({
    method: 'POST',
    url: `/api/v1/catalog/${catalogId}/versions?reason=format-check`,
    headers: { ...ownerOf(catalogId), ...(contentType ? { 'content-type': contentType } : {}) },
    payload: body,
  });

const versionCount = async (catalogId: string): Promise<number> =>
  (
    await f.app.inject({
      method: 'GET',
      url: `/api/v1/catalog/${catalogId}/versions`,
      headers: ownerOf(catalogId),
    })
  ).json<{ items: unknown[] }>().items.length;

async function refused(
  catalogId: string,
  body: string | Buffer | Readable,
  contentType: string | undefined,
  words: RegExp,
): Promise<void> {
  const before = await versionCount(catalogId);
  const res = await upload(catalogId, body, contentType);
  expect(res.statusCode, res.body).toBe(415);
  const error = res.json<{ error: { code: string; message: string } }>().error;
  expect(error.code).toBe('MEDIA_TYPE_MISMATCH');
  expect(error.message).toMatch(words);
  expect(await versionCount(catalogId)).toBe(before);
}

const HTML = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>\n';
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);
const JSONL =
  '{"credit_code":"91110000","name":"甲公司"}\n{"credit_code":"91110001","name":"乙公司"}\n';
const CSV =
  'credit_code,name,legal_rep,capital,established,status\n91130682MA00000001,甲公司,张三,10,2020-01-01,存续\n';

describe('a CSV entry takes CSV only', () => {
  it('refuses a Content-Type naming another format before reading the body', async () => {
    let read = false;
    const body = new Readable({
      read() {
        read = true;
        this.push(CSV);
        this.push(null);
      },
    });
    await refused('AMR-ENT-001', body, 'text/html', /AMR-ENT-001 declares text\/csv/);
    expect(read, 'the body was read').toBe(false);
    await refused('AMR-ENT-001', CSV, 'application/x-ndjson', /declares text\/csv/);
    await refused('AMR-ENT-001', CSV, 'application/octet-stream', /declares text\/csv/);
    await refused('AMR-ENT-001', SVG, 'image/svg+xml', /declares text\/csv/);
  });

  it('refuses an HTML page, an SVG image, binary data or JSON Lines sent as CSV', async () => {
    await refused('AMR-ENT-001', HTML, 'text/csv', /markup/);
    await refused('AMR-ENT-001', SVG, 'text/csv; charset=utf-8', /markup/);
    await refused('AMR-ENT-001', `\uFEFF  \n${HTML}`, 'text/csv', /markup/);
    await refused('AMR-ENT-001', PNG, 'text/csv', /binary/);
    await refused('AMR-ENT-001', JSONL, 'text/csv', /JSON/);
    // Without a Content-Type the entry's format is meant, and the bytes are still sniffed.
    await refused('AMR-ENT-001', HTML, undefined, /markup/);
  });

  it('refuses markup sent in pieces, the tag split across them', () => {
    const check = formatCheck('text/csv', true)!;
    check.update(Buffer.from(' <'));
    expect(() => check.update(Buffer.from('svg onload="alert(1)">'))).toThrow(/markup/);
  });

  it('accepts CSV, with or without a Content-Type, anchored as text/csv', async () => {
    for (const type of ['text/csv; charset=utf-8', undefined]) {
      const res = await upload('AMR-ENT-001', CSV, type);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<{ data: DatasetVersion }>().data).toMatchObject({
        mediaType: 'text/csv',
        recordCount: 1,
      });
    }
  });
});

describe('a row too long to anchor row by row', () => {
  it('is refused 413 RECORD_TOO_LARGE naming its line, nothing anchored; the next upload is taken', async () => {
    const before = await versionCount('AMR-ENT-001');
    const long = Buffer.alloc(MAX_RECORD_CHARS + 1, 'x');
    const res = await upload(
      'AMR-ENT-001',
      Readable.from([Buffer.from(CSV), long, Buffer.from(',a,b,1,2020-01-01,存续\n')]),
      'text/csv',
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(413);
    const error = res.json<{ error: { code: string; message: string; details: unknown } }>().error;
    expect(error.code).toBe('RECORD_TOO_LARGE');
    expect(error.message).toMatch(/^line 3: a record of more than 64 MiB/);
    expect(error.details).toEqual({ line: 3 });
    expect(await versionCount('AMR-ENT-001')).toBe(before);
    expect((await upload('AMR-ENT-001', CSV, 'text/csv')).statusCode).toBe(201);
  });
});

describe('a JSON Lines entry takes JSON Lines only', () => {
  it('refuses CSV and pages, and reads application/jsonl as its canonical name', async () => {
    await refused('HLT-ORG-001', CSV, 'application/x-ndjson', /not a JSON object/);
    await refused('HLT-ORG-001', HTML, 'application/x-ndjson', /markup/);
    await refused('HLT-ORG-001', JSONL, 'text/csv', /declares application\/x-ndjson/);
    const res = await upload('HLT-ORG-001', '{"licence_no":"PDY1"}\n', 'application/jsonl');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ data: DatasetVersion }>().data.mediaType).toBe('application/x-ndjson');
  });
});

describe('binary and text entries', () => {
  it('refuses bytes that are not the declared binary or text type', async () => {
    await refused('PSB-PNG-001', '<html>not a png</html>', 'image/png', /signature/);
    await refused('PSB-PNG-001', PNG, 'image/jpeg', /declares image\/png/);
    await refused(
      'PSB-JSON-001',
      Buffer.from([0x22, 0xff, 0xfe, 0x22]),
      'application/json',
      /UTF-8/,
    );
    await refused('PSB-JSON-001', '<html></html>', 'application/json', /JSON value/);
    const ok = await upload('PSB-PNG-001', PNG, 'image/png');
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('takes opaque bytes only under an entry declaring application/octet-stream', async () => {
    await refused('PSB-BIN-001', PNG, 'image/png', /declares application\/octet-stream/);
    await refused('AMR-ENT-001', PNG, 'application/octet-stream', /declares text\/csv/);
    const ok = await upload('PSB-BIN-001', PNG, 'application/octet-stream');
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

describe('formats written before they were media types', () => {
  it('reads the free text an entry was declared with as the media type it named', () => {
    expect(datasetFormatOf('CSV')).toBe('text/csv');
    expect(datasetFormatOf('JSON Lines')).toBe('application/x-ndjson');
    expect(datasetFormatOf(' jsonl ')).toBe('application/x-ndjson');
    expect(datasetFormatOf('application/x-jsonlines')).toBe('application/x-ndjson');
    expect(datasetFormatOf('text/html')).toBeNull();
    // A name that named no media type declared nothing checkable: opaque bytes.
    expect(storedFormatOf('Excel 表格')).toBe('application/octet-stream');
  });

  it('indexes an entry an older chaincode published with format CSV as text/csv', () => {
    const old = { id: 'OLD-001', format: 'CSV' } as unknown as CatalogEntry;
    const [decoded] = entitiesOf(EVENTS.CatalogEntryCreated, old);
    expect(decoded?.value).toMatchObject({ id: 'OLD-001', format: 'text/csv' });
  });
});
