/**
 * The catalog as DCAT-AP 3 JSON-LD, so national and provincial portals can harvest it: each
 * catalog entry is a dcat:Dataset published by its department, each anchored version a
 * dcat:Distribution carrying its on-chain digest (spdx:checksum). Valid under the official
 * DCAT-AP 3.0.1 SHACL shapes (`npm run test:exports`). Controlled values are IRIs of the EU
 * vocabularies (frequency, access right, file type) and IANA media types; GB/T 21063.3 metadata
 * that DCAT has no term for is in the `shulian:` namespace (gateway README, "DCAT-AP export").
 *
 * Without a token the feed is the open part of the catalog (开放 entries), as open-data portals
 * publish theirs; a member's token shows every active entry.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type {
  CatalogEntry,
  DatasetVersion,
  Department,
  Openness,
  UpdateFrequency,
} from '@shulian/chaincode/constants';
import type { Indexed } from '../index/query-index.js';
import { READ } from '../operation-errors.js';
import type { RouteOptions } from './context.js';
import { listDepartments } from './departments.js';
import { mediaResponses } from './helpers.js';

/** The namespace of Shulian's own terms (documented in the gateway README). */
export const SHULIAN_NS = 'https://shulian.example/ns#';

const EU = 'http://publications.europa.eu/resource/authority/';

/** EU Publications Office frequency vocabulary, which DCAT-AP prescribes. */
const FREQUENCY: Readonly<Record<UpdateFrequency, string>> = {
  realtime: 'UPDATE_CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  yearly: 'ANNUAL',
  irregular: 'IRREG',
};

/** 开放属性 as the EU access-right vocabulary: 开放, 有条件开放, 不予开放. */
const ACCESS_RIGHT: Readonly<Record<Openness, string>> = {
  open: 'PUBLIC',
  conditional_open: 'RESTRICTED',
  not_open: 'NON_PUBLIC',
};

/** EU file types for the media types the gateway knows; others carry only their media type. */
const FILE_TYPE: Readonly<Record<string, string>> = {
  'text/csv': 'CSV',
  'application/json': 'JSON',
  'application/xml': 'XML',
  'text/xml': 'XML',
  'application/pdf': 'PDF',
  'application/zip': 'ZIP',
  'text/plain': 'TXT',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
};

const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  shulian: SHULIAN_NS,
};

const zh = (value: string) => ({ '@value': value, '@language': 'zh' });
const typed = (id: string, type: string) => ({ '@id': id, '@type': type });

function agent(base: string, id: string, department: Department | undefined) {
  return {
    '@id': `${base}/departments/${encodeURIComponent(id)}`,
    '@type': ['foaf:Agent', 'foaf:Organization'],
    'foaf:name': department
      ? [zh(department.nameZh), { '@value': department.nameEn, '@language': 'en' }]
      : id,
    'dct:identifier': id,
  };
}

function distribution(base: string, v: Indexed<DatasetVersion>) {
  const version = `${base}/catalog/${encodeURIComponent(v.catalogId)}/versions/${v.version}`;
  const fileType = FILE_TYPE[v.mediaType];
  return {
    '@id': version,
    '@type': 'dcat:Distribution',
    'dct:title': zh(`${v.catalogId} 第 ${v.version} 版`),
    'dcat:accessURL': { '@id': version },
    'dcat:downloadURL': { '@id': `${version}/content` },
    'dcat:mediaType': typed(
      `https://www.iana.org/assignments/media-types/${v.mediaType}`,
      'dct:MediaType',
    ),
    ...(fileType
      ? { 'dct:format': typed(`${EU}file-type/${fileType}`, 'dct:MediaTypeOrExtent') }
      : {}),
    'dcat:byteSize': { '@value': String(v.size), '@type': 'xsd:nonNegativeInteger' },
    'dct:issued': { '@value': v.anchoredAt, '@type': 'xsd:dateTime' },
    'spdx:checksum': {
      '@type': 'spdx:Checksum',
      'spdx:algorithm': typed(
        v.digest.algorithm === 'sha256'
          ? 'spdx:checksumAlgorithm_sha256'
          : 'shulian:checksumAlgorithm_sm3',
        'spdx:ChecksumAlgorithm',
      ),
      'spdx:checksumValue': { '@value': v.digest.value, '@type': 'xsd:hexBinary' },
    },
    'shulian:version': { '@value': String(v.version), '@type': 'xsd:integer' },
    'shulian:chunkRoot': { '@value': v.chunkRoot, '@type': 'xsd:hexBinary' },
    ...(v.recordRoot
      ? { 'shulian:recordRoot': { '@value': v.recordRoot, '@type': 'xsd:hexBinary' } }
      : {}),
    'shulian:txId': v.txId,
  };
}

function dataset(
  base: string,
  entry: Indexed<CatalogEntry>,
  owner: Department | undefined,
  versions: Indexed<DatasetVersion>[],
) {
  return {
    '@id': `${base}/catalog/${encodeURIComponent(entry.id)}`,
    '@type': 'dcat:Dataset',
    'dct:identifier': entry.id,
    'dct:title': zh(entry.name),
    'dct:description': zh(entry.abstract || entry.name),
    'dct:publisher': agent(base, entry.owner, owner),
    'dct:issued': { '@value': entry.publishDate, '@type': 'xsd:date' },
    'dct:modified': { '@value': entry.updatedAt, '@type': 'xsd:dateTime' },
    'dct:accrualPeriodicity': typed(
      `${EU}frequency/${FREQUENCY[entry.updateFrequency]}`,
      'dct:Frequency',
    ),
    'dct:accessRights': typed(
      `${EU}access-right/${ACCESS_RIGHT[entry.openness]}`,
      'dct:RightsStatement',
    ),
    'dcat:keyword': entry.fields.map((f) => zh(f.nameZh ?? f.name)),
    'dcat:version': String(entry.version),
    ...(entry.relatedResources.length
      ? {
          'dct:relation': entry.relatedResources.map((id) => ({
            '@id': `${base}/catalog/${encodeURIComponent(id)}`,
          })),
        }
      : {}),
    // GB/T 21063.3 metadata without a DCAT term.
    'shulian:classification': entry.classification,
    'shulian:resourceFormat': entry.format,
    'shulian:shareType': entry.shareType,
    ...(entry.shareConditions ? { 'shulian:shareConditions': zh(entry.shareConditions) } : {}),
    ...(entry.legalBasis ? { 'shulian:legalBasis': zh(entry.legalBasis) } : {}),
    'shulian:shareMethod': entry.shareMethods,
    'shulian:openness': entry.openness,
    ...(entry.sourceSystem ? { 'shulian:sourceSystem': entry.sourceSystem } : {}),
    ...(entry.scenarios.length ? { 'shulian:scenario': entry.scenarios.map(zh) } : {}),
    'shulian:informationItem': entry.fields.map((f) => ({
      '@type': 'shulian:InformationItem',
      'shulian:name': f.name,
      ...(f.nameZh ? { 'rdfs:label': zh(f.nameZh) } : {}),
      'shulian:dataType': f.type,
      'shulian:sensitivity': f.sensitivity,
      ...(f.description ? { 'rdfs:comment': zh(f.description) } : {}),
    })),
    ...(versions.length ? { 'dcat:distribution': versions.map((v) => distribution(base, v)) } : {}),
  };
}

export const dcatRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  app.get(
    '/catalog.jsonld',
    {
      config: { public: true },
      schema: {
        tags: ['catalog'],
        summary: 'the catalog as DCAT-AP 3 JSON-LD (without a token: its open part)',
        description:
          'One dcat:Catalog published by the coordinator: each active entry a dcat:Dataset, each anchored ' +
          'version a dcat:Distribution with its on-chain digest (spdx:checksum). Without a token only entries ' +
          'whose openness is `open` (开放) are listed. Valid under the official DCAT-AP 3.0.1 SHACL shapes.',
        response: mediaResponses(
          {
            'application/ld+json': {
              schema: Type.Object(
                {},
                { additionalProperties: true, description: 'JSON-LD document' },
              ),
            },
          },
          [...READ],
        ),
      },
    },
    async (request, reply) => {
      const base = `${request.protocol}://${request.host}/api/v1`;
      const departments = new Map(
        (await listDepartments(ctx, ctx.publicReader)).map((d) => [d.id, d]),
      );
      const open = request.principal === undefined;
      const datasets: object[] = [];
      for await (const entry of ctx.index.allCatalog()) {
        if (entry.status !== 'active' || (open && entry.openness !== 'open')) continue;
        const versions = await ctx.index.versions(entry.id);
        datasets.push(dataset(base, entry, departments.get(entry.owner), versions));
      }
      return reply.type('application/ld+json; charset=utf-8').send({
        '@context': CONTEXT,
        '@id': `${base}/dcat/catalog.jsonld`,
        '@type': 'dcat:Catalog',
        'dct:title': [
          zh('政务数据资源目录'),
          { '@value': 'Government data resource catalog', '@language': 'en' },
        ],
        'dct:description': [
          zh(
            open
              ? '数链共享平台登记的开放政务数据资源，每个数据集版本的摘要均已上链。'
              : '数链共享平台登记的政务数据资源，每个数据集版本的摘要均已上链。',
          ),
          {
            '@value': open
              ? 'The open government data resources registered on Shulian; every dataset version is anchored on its ledger.'
              : 'The government data resources registered on Shulian; every dataset version is anchored on its ledger.',
            '@language': 'en',
          },
        ],
        'dct:publisher': agent(base, ctx.coordinator, departments.get(ctx.coordinator)),
        ...(datasets.length ? { 'dcat:dataset': datasets } : {}),
      });
    },
  );
  done();
};
