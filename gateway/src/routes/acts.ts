/**
 * The full-process trail (全流程审计) under /audit: every act on the ledger (catalog edits,
 * anchors, requests and their answers, grant revocations, uses allowed or refused, objections,
 * authorisations, governance acts) with filters, a CSV export, and the acts counted per month or
 * quarter, department and act (monthly tracking and quarterly reports). From the query index.
 */
import { Readable } from 'node:stream';
import {
  Type,
  type FastifyPluginCallbackTypebox,
  type Static,
} from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { canOversee, canReadDepartment, principalOf, requireSomeRole } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import { cstMonth } from '../index/acts.js';
import type { ActQuery, AuditAct as AuditActType, Indexed } from '../index/query-index.js';
import { LIST } from '../operation-errors.js';
import type { GatewayContext } from '../services/runtime.js';
import { csvLine, EXPORT_LIMIT, everyItem, usageWindow } from './audit.js';
import type { RouteOptions } from './context.js';
import { mediaResponses, page, responses, StreamBody } from './helpers.js';
import { AuditAct, Page, PageQuery } from './schemas.js';
import { ActFigures, ActFiguresQuery, ActFilter } from './shapes.js';
import * as examples from './examples.js';

const ActQuerySchema = Type.Object({ ...ActFilter, ...PageQuery }, { additionalProperties: false });
const ActExportSchema = Type.Object(ActFilter, { additionalProperties: false });
type ActParams = Static<typeof ActExportSchema>;

/**
 * Whose acts a caller reads: any department's, or every one (undefined), for supervisors and the
 * coordinator; their own for anyone else with a role.
 */
function readableDepartment(
  ctx: GatewayContext,
  request: FastifyRequest,
  asked: string | undefined,
): string | undefined {
  const principal = principalOf(request);
  requireSomeRole(principal, 'reading the audit trail');
  const department =
    asked ?? (canOversee(principal, ctx.coordinator) ? undefined : principal.department);
  if (department !== undefined && !canReadDepartment(principal, department, ctx.coordinator))
    throw new GatewayError(
      'FORBIDDEN',
      `department ${principal.department} may not read the acts of ${department}`,
    );
  return department;
}

/**
 * The trail's query after checking the caller may see it: supervisors and the coordinator read
 * every act; a department the acts that concern it (its own, and others' on its data or requests).
 */
function actQuery(
  ctx: GatewayContext,
  request: FastifyRequest,
  q: ActParams,
): Omit<ActQuery, 'limit'> {
  const department = readableDepartment(ctx, request, q.department);
  return {
    ...(department === undefined ? {} : { department }),
    ...(q.act === undefined ? {} : { act: q.act }),
    ...(q.outcome === undefined ? {} : { outcome: q.outcome }),
    ...(q.user === undefined ? {} : { user: q.user }),
    ...(q.catalogId === undefined ? {} : { catalogId: q.catalogId }),
    ...usageWindow(q),
  };
}

const ACT_CSV_COLUMNS = [
  'at',
  'act',
  'outcome',
  'actorDepartment',
  'actorUser',
  'departments',
  'targetType',
  'targetId',
  'catalogId',
  'fields',
  'fieldNames',
  'code',
  'reason',
  'automatic',
  'txId',
  'blockNumber',
] as const;

/**
 * One act as a CSV row; `fieldNames` are the fields as the entry catalogues them (中文名), for
 * readers of the spreadsheet who do not know the codes.
 */
function actCsvRow(
  a: AuditActType & { txId?: string; blockNumber?: number },
  names: string[],
): string {
  const row: Record<(typeof ACT_CSV_COLUMNS)[number], string | number | null | undefined> = {
    at: a.at,
    act: a.act,
    outcome: a.outcome,
    actorDepartment: a.actor.department,
    actorUser: a.actor.user,
    departments: a.departments.join(';'),
    targetType: a.target?.type,
    targetId: a.target?.id,
    catalogId: a.catalogId,
    fields: a.fields.join(';'),
    fieldNames: names.join(';'),
    code: a.code,
    reason: a.reason,
    automatic: a.automatic ? 'true' : 'false',
    txId: a.txId,
    blockNumber: a.blockNumber,
  };
  return csvLine(ACT_CSV_COLUMNS.map((c) => row[c]));
}

/** The CSV of the OpenAPI document's example act, written by the code that writes the export. */
export const ACT_CSV =
  csvLine(ACT_CSV_COLUMNS) +
  actCsvRow({ ...examples.auditAct, ...examples.txRef }, ['姓名', '出生日期']);

/** Acts as CSV, their fields named as each entry catalogues them (entries read once each). */
async function* actsCsv(ctx: GatewayContext, acts: AsyncIterable<Indexed<AuditActType>>) {
  yield csvLine(ACT_CSV_COLUMNS);
  const labels = new Map<string, Map<string, string>>();
  for await (const a of acts) {
    let names: string[] = [];
    if (a.catalogId !== null && a.fields.length) {
      let entry = labels.get(a.catalogId);
      if (!entry) {
        const found = await ctx.index.get('catalog', a.catalogId);
        entry = new Map((found?.fields ?? []).map((f) => [f.name, f.nameZh ?? f.name]));
        labels.set(a.catalogId, entry);
      }
      names = a.fields.map((f) => entry?.get(f) ?? f);
    }
    yield actCsvRow(a, names);
  }
}

export const actRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['audit'];

  app.get(
    '/acts',
    {
      schema: {
        tags,
        summary: 'the full-process trail: every act on the ledger, newest first',
        description:
          'Every act the ledger recorded: catalog entries published, edited or retired, update requirements, anchors, requests and their approvals, refusals, escalations, withdrawals and expiries, grant revocations, uses allowed or refused, objections and their resolutions, subject bindings and authorisations, and governance acts (departments, roles, calendars, gateways). Filter by department (actor or party), act, outcome (uses), user and period. Supervisors and the coordinator read every act, other departments those concerning them. Reads the query index; records nothing.',
        querystring: ActQuerySchema,
        response: responses(Page(AuditAct), LIST),
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return ctx.index.acts({ ...actQuery(ctx, request, filter), ...page({ limit, cursor }) });
    },
  );

  app.get(
    '/acts.csv',
    {
      schema: {
        tags,
        summary: `the full-process trail as CSV (at most ${EXPORT_LIMIT} rows)`,
        description:
          'The same acts as /audit/acts, as RFC 4180 CSV for a spreadsheet, one act per row, fields by code and by their catalogued names. Same access as /audit/acts; records nothing.',
        querystring: ActExportSchema,
        response: mediaResponses(
          { 'text/csv': { schema: StreamBody('RFC 4180 CSV, one act per row'), example: ACT_CSV } },
          LIST,
        ),
      },
    },
    (request, reply) => {
      const query = actQuery(ctx, request, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="shulian-acts.csv"')
        .send(
          Readable.from(
            actsCsv(
              ctx,
              everyItem((p) => ctx.index.acts({ ...query, ...p })),
            ),
          ),
        );
    },
  );

  app.get(
    '/acts/figures',
    {
      schema: {
        tags,
        summary: 'acts counted per month or quarter, department and act',
        description:
          "Monthly tracking and quarterly reports: acts counted per CST month (YYYY-MM) or quarter (YYYY-Qn), acting department and act, uses split by outcome; default the last twelve months. Supervisors and the coordinator read every department's figures, other departments their own. Reads the index's counters; records nothing.",
        querystring: ActFiguresQuery,
        response: responses(ActFigures, ['FORBIDDEN', 'FORBIDDEN_ROLE', 'VALIDATION_FAILED']),
      },
    },
    async (request) => {
      const q = request.query;
      const department = readableDepartment(ctx, request, q.department);
      const period = q.period ?? 'month';
      const to = periodBounds(period, q.to ?? cstMonth(ctx.now()))[1];
      const from = periodBounds(period, q.from ?? monthsBefore(to, 11))[0];
      if (from > to) throw new GatewayError('VALIDATION_FAILED', '`from` is after `to`');
      const counts = new Map<string, Static<typeof ActFigures>['items'][number]>();
      for (const c of await ctx.index.actCounts(from, to)) {
        if (department !== undefined && c.department !== department) continue;
        const label = period === 'month' ? c.month : quarterOf(c.month);
        const k = [label, c.department, c.act, c.outcome].join(' ');
        const found = counts.get(k);
        if (found) found.count += c.count;
        else
          counts.set(k, {
            period: label,
            department: c.department,
            act: c.act,
            outcome: c.outcome,
            count: c.count,
          });
      }
      const items = [...counts.values()].sort(
        (a, b) =>
          a.period.localeCompare(b.period) ||
          a.department.localeCompare(b.department) ||
          a.act.localeCompare(b.act),
      );
      return { period, from, to, items };
    },
  );
  done();
};

/** YYYY-Qn of a YYYY-MM. */
const quarterOf = (month: string): string =>
  `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;

/** The first and last month of the period (a month, or its quarter) holding `month`. */
function periodBounds(period: 'month' | 'quarter', month: string): [string, string] {
  if (period === 'month') return [month, month];
  const year = month.slice(0, 4);
  const first = (Math.ceil(Number(month.slice(5, 7)) / 3) - 1) * 3 + 1;
  const pad = (m: number) => `${year}-${String(m).padStart(2, '0')}`;
  return [pad(first), pad(first + 2)];
}

/** The month `n` months before a YYYY-MM. */
function monthsBefore(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}
