/**
 * Audit of uses (溯源): every recorded use, allowed or refused, by dataset, consumer department,
 * provider department, user and period, newest first, from the index's time-ordered keys. Exports
 * as CSV and W3C PROV-JSON, and one allowed use's delivery receipt (a proof bundle the consumer
 * verifies offline). Every other act on the ledger is in the full-process trail (./acts.ts).
 */
import { Readable } from 'node:stream';
import {
  Type,
  type FastifyPluginCallbackTypebox,
  type Static,
} from '@fastify/type-provider-typebox';
import { TX, type UsageRecord as UsageRecordType } from '@shulian/chaincode/constants';
import type { FastifyRequest } from 'fastify';
import {
  callerOf,
  canReadDepartment,
  hasRole,
  principalOf,
  requireSomeRole,
} from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import type { Indexed, PageResult, UsageQuery } from '../index/query-index.js';
import type { GatewayContext } from '../services/runtime.js';
import { LIST } from '../operation-errors.js';
import { follow } from '../openapi.js';
import { deliveryOf, receiptFromMaterial } from '../services/proofs.js';
import type { RouteOptions } from './context.js';
import { mediaResponses, page, parseTime, responses, StreamBody } from './helpers.js';
import { SHULIAN_NS } from './dcat.js';
import { Id, Page, PageQuery, UsageRecord } from './schemas.js';
import { UsageFilter } from './shapes.js';
import * as examples from './examples.js';

const UsageQuerySchema = Type.Object(
  { ...UsageFilter, ...PageQuery },
  { additionalProperties: false },
);
const ExportQuerySchema = Type.Object(UsageFilter, { additionalProperties: false });

const RECEIPT = 'GET /api/v1/audit/usage/{id}/receipt';

const Receipt = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'delivery receipt: a proof bundle (format shulian-proof, version 2) whose subject is `{ kind: "delivery", digest, size }` and whose anchor is the usage record as its transaction wrote it; see README',
  },
);

type UsageParams = Static<typeof ExportQuerySchema>;

/** Largest export in one response; narrow the period for more. */
export const EXPORT_LIMIT = 100_000;
const EXPORT_PAGE = 1_000;

/**
 * The index query for a request, after checking the caller may see it: supervisors and the
 * coordinator see everything; a department sees its own uses and the uses of its own data.
 */
async function usageQuery(
  ctx: GatewayContext,
  request: FastifyRequest,
  q: UsageParams,
): Promise<Omit<UsageQuery, 'limit'>> {
  const principal = principalOf(request);
  requireSomeRole(principal, 'tracing uses');
  const all = hasRole(principal, 'supervisor') || principal.department === ctx.coordinator;
  const scope = usageScope(q, principal.department, all);
  if (scope.by === 'catalog' && !all) {
    const entry = await ctx.index.get('catalog', scope.catalogId);
    if (entry?.owner !== principal.department) {
      throw new GatewayError(
        'FORBIDDEN',
        'only the owner department and supervisors trace uses of an entry',
      );
    }
  }
  if (
    (scope.by === 'user' || scope.by === 'consumer' || scope.by === 'provider') &&
    !canReadDepartment(principal, scope.department, ctx.coordinator)
  ) {
    throw new GatewayError(
      'FORBIDDEN',
      `department ${principal.department} may not trace ${scope.department}`,
    );
  }
  return { scope, ...usageWindow(q), ...(q.outcome ? { outcome: q.outcome } : {}) };
}

/** Whose uses: a user, an entry, a provider or a consumer department, or (for `all`) everyone. */
function usageScope(q: UsageParams, own: string, all: boolean): UsageQuery['scope'] {
  if (q.user !== undefined) return { by: 'user', department: q.department ?? own, user: q.user };
  if (q.catalogId !== undefined) return { by: 'catalog', catalogId: q.catalogId };
  if (q.provider !== undefined) return { by: 'provider', department: q.provider };
  if (q.department !== undefined) return { by: 'consumer', department: q.department };
  return all ? { by: 'all' } : { by: 'consumer', department: own };
}

export function usageWindow(q: Pick<UsageParams, 'from' | 'to'>): Pick<UsageQuery, 'from' | 'to'> {
  const from = parseTime(q.from, false);
  const to = parseTime(q.to, true);
  if (from !== undefined && to !== undefined && from > to) {
    throw new GatewayError('VALIDATION_FAILED', '`from` is after `to`');
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** Every item of a list, page after page, up to EXPORT_LIMIT: what an export writes. */
export async function* everyItem<T>(
  read: (page: { limit: number; cursor?: string }) => Promise<PageResult<T>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  let sent = 0;
  do {
    const result = await read({ limit: EXPORT_PAGE, ...(cursor ? { cursor } : {}) });
    for (const item of result.items) {
      if (sent++ >= EXPORT_LIMIT) return;
      yield item;
    }
    cursor = result.nextCursor ?? undefined;
  } while (cursor);
}

const allUses = (
  ctx: GatewayContext,
  query: Omit<UsageQuery, 'limit'>,
): AsyncGenerator<Indexed<UsageRecordType>> =>
  everyItem((p) => ctx.index.usage({ ...query, ...p }));

const CSV_COLUMNS = [
  'at',
  'id',
  'outcome',
  'action',
  'catalogId',
  'datasetVersion',
  'provider',
  'consumerDepartment',
  'consumerUser',
  'grantId',
  'subject',
  'authorisationId',
  'purpose',
  'fields',
  'bytes',
  'deliveredDigest',
  'denialCode',
  'denialMessage',
  'txId',
] as const;

/** RFC 4180 quoting; a leading =+-@ is prefixed so spreadsheets do not run it as a formula. */
function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One use as a CSV row (CSV_COLUMNS); txId when the record came from the index. */
function csvRow(u: UsageRecordType & { txId?: string }): string {
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> = {
    at: u.at,
    id: u.id,
    outcome: u.outcome,
    action: u.action,
    catalogId: u.catalogId,
    datasetVersion: u.datasetVersion,
    provider: u.provider,
    consumerDepartment: u.consumer.department,
    consumerUser: u.consumer.user,
    grantId: u.grantId,
    subject: u.subject,
    authorisationId: u.authorisationId,
    purpose: u.purpose,
    fields: u.fields.join(';'),
    bytes: u.bytes,
    deliveredDigest: u.deliveredDigest
      ? `${u.deliveredDigest.algorithm}:${u.deliveredDigest.value}`
      : null,
    denialCode: u.denialCode,
    denialMessage: u.denialMessage,
    txId: u.txId,
  };
  return csvLine(CSV_COLUMNS.map((c) => row[c]));
}

/** One CSV line of cells (RFC 4180, formula-safe), with its CRLF. */
export const csvLine = (cells: readonly (string | number | null | undefined)[]): string =>
  cells.map(csvCell).join(',') + '\r\n';

/** The CSV of the OpenAPI document's example use, written by the code that writes the export. */
export const USAGE_CSV =
  csvLine(CSV_COLUMNS) + csvRow({ ...examples.usageRecord, txId: examples.txRef.txId });

/** Uses as RFC 4180 CSV with a header row: the audit export and a data subject's trail. */
export async function* usageCsv(
  rows: AsyncIterable<UsageRecordType & { txId?: string }> | Iterable<UsageRecordType>,
): AsyncGenerator<string> {
  yield csvLine(CSV_COLUMNS);
  for await (const u of rows) yield csvRow(u);
}

/** A PROV-JSON qualified name as a value (a plain string would be read as a string literal). */
const qname = (name: string) => ({ $: name, type: 'prov:QUALIFIED_NAME' });

/**
 * W3C PROV-JSON: each use, allowed or refused, is an activity associated with its user (a
 * prov:Person acting on behalf of the consumer department) that `used` the dataset version it
 * targeted (or the catalog entry, when refused before a version was chosen) and, when it had
 * one, the grant it relied on; refused uses carry their outcome and denial code, because the
 * refusal is part of the trail. Members without a value are left out, never null, and every
 * prov:type is a qualified name, so python `prov` and the PROV-JSON schema read it as written.
 */
function provDocument(uses: Indexed<UsageRecordType>[]) {
  const entity: Record<string, object> = {};
  const activity: Record<string, object> = {};
  const agent: Record<string, object> = {};
  const used: Record<string, object> = {};
  const wasAssociatedWith: Record<string, object> = {};
  const actedOnBehalfOf: Record<string, object> = {};
  const wasAttributedTo: Record<string, object> = {};
  const specializationOf: Record<string, object> = {};
  const organization = (id: string) => {
    agent[`shulian:department/${id}`] = { 'prov:type': qname('prov:Organization') };
    return `shulian:department/${id}`;
  };
  for (const u of uses) {
    const act = `shulian:use/${u.id}`;
    const entry = `shulian:catalog/${u.catalogId}`;
    const provider = organization(u.provider);
    const dept = organization(u.consumer.department);
    const user = `shulian:user/${u.consumer.department}/${u.consumer.user}`;
    entity[entry] = {
      'prov:type': qname('shulian:CatalogEntry'),
      'shulian:catalogId': u.catalogId,
    };
    wasAttributedTo[`_:attr-${u.catalogId}`] = { 'prov:entity': entry, 'prov:agent': provider };
    let target = entry;
    if (u.datasetVersion !== null) {
      target = `shulian:dataset/${u.catalogId}/v${u.datasetVersion}`;
      entity[target] = {
        'prov:type': qname('shulian:DatasetVersion'),
        'shulian:catalogId': u.catalogId,
        'shulian:version': u.datasetVersion,
      };
      specializationOf[`_:spec-${u.catalogId}-v${u.datasetVersion}`] = {
        'prov:specificEntity': target,
        'prov:generalEntity': entry,
      };
    }
    agent[user] = {
      'prov:type': qname('prov:Person'),
      'shulian:department': u.consumer.department,
      'shulian:user': u.consumer.user,
    };
    actedOnBehalfOf[`_:behalf-${u.consumer.department}-${u.consumer.user}`] = {
      'prov:delegate': user,
      'prov:responsible': dept,
    };
    activity[act] = {
      'prov:type': qname(`shulian:${u.action}`),
      'prov:startTime': u.at,
      'prov:endTime': u.at,
      'shulian:outcome': u.outcome,
      'shulian:catalogId': u.catalogId,
      ...(u.datasetVersion === null ? {} : { 'shulian:version': u.datasetVersion }),
      ...(u.purpose === null ? {} : { 'shulian:purpose': u.purpose }),
      ...(u.fields.length ? { 'shulian:fields': u.fields } : {}),
      ...(u.grantId === null ? {} : { 'shulian:grantId': u.grantId }),
      ...(u.bytes === null ? {} : { 'shulian:bytes': u.bytes }),
      ...(u.deliveredDigest
        ? {
            'shulian:deliveredDigest': `${u.deliveredDigest.algorithm}:${u.deliveredDigest.value}`,
          }
        : {}),
      ...(u.denialCode === null ? {} : { 'shulian:denialCode': u.denialCode }),
      ...(u.denialMessage === null ? {} : { 'shulian:denialMessage': u.denialMessage }),
      ...(u.txId === undefined ? {} : { 'shulian:txId': u.txId }),
    };
    // A refused use targeted the dataset without receiving it: the relation says so by its role.
    used[`_:used-${u.id}`] = {
      'prov:activity': act,
      'prov:entity': target,
      'prov:time': u.at,
      'prov:role': qname(u.outcome === 'ALLOWED' ? 'shulian:delivered' : 'shulian:refused'),
    };
    if (u.grantId !== null) {
      const grant = `shulian:grant/${u.grantId}`;
      entity[grant] = { 'prov:type': qname('shulian:Grant'), 'shulian:grantId': u.grantId };
      wasAttributedTo[`_:attr-grant-${u.grantId}`] = {
        'prov:entity': grant,
        'prov:agent': provider,
      };
      used[`_:grant-${u.id}`] = {
        'prov:activity': act,
        'prov:entity': grant,
        'prov:time': u.at,
        'prov:role': qname('shulian:authorisation'),
      };
    }
    wasAssociatedWith[`_:assoc-${u.id}`] = { 'prov:activity': act, 'prov:agent': user };
  }
  return {
    prefix: { shulian: SHULIAN_NS },
    entity,
    activity,
    agent,
    used,
    wasAssociatedWith,
    actedOnBehalfOf,
    wasAttributedTo,
    specializationOf,
  };
}

export const auditRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['audit'];

  app.get(
    '/usage',
    {
      config: { links: follow({ id: '$response.body#/items/0/id' }, RECEIPT) },
      schema: {
        tags,
        summary: 'trace uses, newest first (refused uses included)',
        description:
          'Scope by catalogId, department (consumer), provider, or department+user; window with from/to.',
        querystring: UsageQuerySchema,
        response: responses(Page(UsageRecord), LIST),
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return ctx.index.usage({
        ...(await usageQuery(ctx, request, filter)),
        ...page({ limit, cursor }),
      });
    },
  );

  app.get(
    '/usage.csv',
    {
      schema: {
        tags,
        summary: `trace as CSV (at most ${EXPORT_LIMIT} rows)`,
        description:
          "The same trace as /audit/usage, as RFC 4180 CSV for a spreadsheet (one use per row, subject and authorisationId columns). Supervisors and the coordinator read every department's uses, others their own. Reads the query index; records nothing.",
        querystring: ExportQuerySchema,
        response: mediaResponses(
          {
            'text/csv': { schema: StreamBody('RFC 4180 CSV, one use per row'), example: USAGE_CSV },
          },
          LIST,
        ),
      },
    },
    async (request, reply) => {
      const query = await usageQuery(ctx, request, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="shulian-usage.csv"')
        .send(Readable.from(usageCsv(allUses(ctx, query))));
    },
  );

  app.get(
    '/prov',
    {
      schema: {
        tags,
        summary: `trace as W3C PROV-JSON (at most ${EXPORT_LIMIT} uses)`,
        description:
          'The usage trace as W3C PROV-JSON: each use (refused ones too) an activity linked to its dataset, grant and agent, with qualified types. Supervisors and the coordinator; reads the query index, records nothing.',
        querystring: ExportQuerySchema,
        response: responses(
          Type.Object({}, { additionalProperties: true, description: 'PROV-JSON document' }),
          LIST,
        ),
      },
    },
    async (request) => {
      const uses: Indexed<UsageRecordType>[] = [];
      for await (const u of allUses(ctx, await usageQuery(ctx, request, request.query)))
        uses.push(u);
      return provDocument(uses);
    },
  );

  app.get(
    '/usage/:id/receipt',
    {
      schema: {
        tags,
        summary: 'delivery receipt of an allowed use, verified offline against the trust file',
        description:
          "The consumer's proof of lawful use (安全免责使用): the usage record exactly as its transaction wrote it (grant, purpose, fields, consumer, time, the bytes delivered and their digest) with that transaction's proof, so `shulian verify <file> --delivery <receipt> --trust <trust>` or the console checks a delivered (projected) file offline, without this gateway. For the consumer and provider departments of the use, supervisors and the coordinator (the ledger decides: FORBIDDEN_DEPARTMENT otherwise). A refused use delivered nothing and has no receipt (NOT_DELIVERED). Records nothing.",
        params: Type.Object({ id: Id('usage record id') }, { additionalProperties: false }),
        response: responses(Receipt, [...LIST, 'USAGE_NOT_FOUND', 'NOT_DELIVERED']),
      },
    },
    async (request) => {
      requireSomeRole(principalOf(request), 'a delivery receipt');
      // The ledger's copy decides who may read it; the index knows the transaction that wrote it.
      const use = await ctx.chaincode.evaluate<UsageRecordType>(
        callerOf(request),
        TX.usage.GetUse,
        [request.params.id],
      );
      let indexed = await ctx.index.get('usage', use.id);
      if (!indexed) {
        // The peer has the use but the index has not applied its block yet (another department's
        // peer, on Fabric): wait for the index to reach the ledger, briefly.
        const { height } = await ctx.ledger.status();
        await ctx.index.waitFor(height - 1, 5_000).catch(() => undefined);
        indexed = await ctx.index.get('usage', use.id);
      }
      if (!indexed)
        throw new GatewayError(
          'NOT_READY',
          `the query index has not reached the transaction of use ${use.id} yet; try again`,
        );
      deliveryOf(use); // a refused use has no receipt: refused before the proof is fetched
      return receiptFromMaterial(await ctx.ledger.getTransactionProof(indexed.txId), use);
    },
  );
  done();
};
