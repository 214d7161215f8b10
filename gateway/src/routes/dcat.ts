/**
 * The catalog as DCAT-AP (v2) JSON-LD, so national and provincial portals can harvest it: each
 * catalog entry is a dcat:Dataset published by its department, each anchored version a
 * dcat:Distribution carrying its on-chain digest (spdx:checksum).
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { CatalogEntry, UpdateFrequency } from '@shulian/chaincode/constants';
import type { Indexed } from '../index/query-index.js';
import { callerOf } from '../auth/guard.js';
import type { RouteOptions } from './context.js';
import { listDepartments } from './departments.js';
import { responses } from './helpers.js';

/** EU publications office frequency vocabulary, which DCAT-AP prescribes. */
const FREQUENCY: Readonly<Record<UpdateFrequency, string>> = {
  realtime: 'UPDATE_CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  yearly: 'ANNUAL',
  irregular: 'IRREG',
};

const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  shulian: 'https://shulian.example/ns#',
};

export const dcatRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  app.get(
    '/catalog.jsonld',
    {
      schema: {
        tags: ['catalog'],
        summary: 'the active catalog as DCAT-AP JSON-LD',
        produces: ['application/ld+json'],
        response: responses(
          Type.Object({}, { additionalProperties: true, description: 'JSON-LD document' }),
        ),
      },
    },
    async (request, reply) => {
      const base = `${request.protocol}://${request.host}/api/v1`;
      const departments = new Map(
        (await listDepartments(ctx, callerOf(request))).map((d) => [d.id, d]),
      );
      const datasets: object[] = [];
      const entries: Indexed<CatalogEntry>[] = [];
      for await (const entry of ctx.index.allCatalog())
        if (entry.status === 'active') entries.push(entry);
      for (const entry of entries) {
        const owner = departments.get(entry.owner);
        const versions = await ctx.index.versions(entry.id);
        datasets.push({
          '@id': `${base}/catalog/${encodeURIComponent(entry.id)}`,
          '@type': 'dcat:Dataset',
          'dct:identifier': entry.id,
          'dct:title': { '@value': entry.name, '@language': 'zh' },
          'dct:description': { '@value': entry.abstract, '@language': 'zh' },
          'dct:publisher': {
            '@id': `${base}/departments/${encodeURIComponent(entry.owner)}`,
            '@type': 'foaf:Organization',
            'foaf:name': owner
              ? [
                  { '@value': owner.nameZh, '@language': 'zh' },
                  { '@value': owner.nameEn, '@language': 'en' },
                ]
              : entry.owner,
          },
          'dct:issued': { '@value': entry.publishDate, '@type': 'xsd:date' },
          'dct:modified': { '@value': entry.updatedAt, '@type': 'xsd:dateTime' },
          'dct:accrualPeriodicity': {
            '@id': `http://publications.europa.eu/resource/authority/frequency/${FREQUENCY[entry.updateFrequency]}`,
          },
          'dct:accessRights': `shulian:${entry.shareType}`,
          ...(entry.legalBasis ? { 'shulian:legalBasis': entry.legalBasis } : {}),
          ...(entry.shareConditions ? { 'shulian:shareConditions': entry.shareConditions } : {}),
          'dcat:keyword': entry.fields.map((f) => f.nameZh ?? f.name),
          'owl:versionInfo': String(entry.version),
          'dcat:distribution': versions.map((v) => ({
            '@id': `${base}/catalog/${encodeURIComponent(entry.id)}/versions/${v.version}`,
            '@type': 'dcat:Distribution',
            'dcat:mediaType': v.mediaType,
            'dcat:byteSize': { '@value': String(v.size), '@type': 'xsd:decimal' },
            'dct:issued': { '@value': v.anchoredAt, '@type': 'xsd:dateTime' },
            'spdx:checksum': {
              '@type': 'spdx:Checksum',
              'spdx:algorithm':
                v.digest.algorithm === 'sha256' ? 'spdx:checksumAlgorithm_sha256' : 'shulian:sm3',
              'spdx:checksumValue': v.digest.value,
            },
            'shulian:txId': v.txId,
          })),
        });
      }
      return reply.type('application/ld+json; charset=utf-8').send({
        '@context': { ...CONTEXT, owl: 'http://www.w3.org/2002/07/owl#' },
        '@id': `${base}/dcat/catalog.jsonld`,
        '@type': 'dcat:Catalog',
        'dct:title': { '@value': '政务数据资源目录', '@language': 'zh' },
        'dcat:dataset': datasets,
      });
    },
  );
  done();
};
