/**
 * The data resource catalog (政务数据资源目录): search and filters from the index, single entries
 * and history from the ledger, writes through the catalog contract (owner department only).
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  TX,
  type CatalogEntry as CatalogEntryType,
  type CatalogUpdateRequirement as UpdateRequirement,
  type HistoryItem as HistoryItemType,
} from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import { LIST, READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { GatewayContext } from '../services/runtime.js';
import type { RouteApp, RouteOptions } from './context.js';
import { listDepartments } from './departments.js';
import { mapPage, page, responses, submitAs, withOverdue } from './helpers.js';
import {
  CatalogEntry,
  CatalogUpdateRequirement,
  Enums,
  HistoryItem,
  Id,
  Page,
  PageQuery,
  ReasonBody,
  Text,
  Written,
} from './schemas.js';
import * as examples from './examples.js';
import { CatalogMetadata, CatalogSearch } from './shapes.js';

export const CatalogParams = Type.Object(
  { id: Id('catalog entry id (资源代码)') },
  { additionalProperties: false },
);

/**
 * 以共享为原则、不共享为例外 (the chaincode's checkEntryRules): an entry not shared cites its legal
 * basis, a conditional one states its conditions. The document says so; the chaincode enforces it
 * (400 LEGAL_BASIS_REQUIRED, 400 INVALID_ARGUMENT).
 */
const shareRules = {
  allOf: [
    {
      if: { properties: { shareType: { const: 'not_shared' } }, required: ['shareType'] },
      then: { properties: { legalBasis: { type: 'string' } }, required: ['legalBasis'] },
    },
    {
      if: { properties: { shareType: { const: 'conditional' } }, required: ['shareType'] },
      then: { properties: { shareConditions: { type: 'string' } }, required: ['shareConditions'] },
    },
  ],
};
const CreateBody = Type.Object(
  { id: Id('资源代码, unique on the ledger'), ...CatalogMetadata },
  { additionalProperties: false, ...shareRules, examples: [examples.catalogInput] },
);
const UpdateBody = Type.Object(
  { ...CatalogMetadata, changeReason: Text(2048, 1) },
  { additionalProperties: false, ...shareRules, examples: [examples.catalogChange] },
);

interface MetadataInput {
  shareConditions?: string | null;
  legalBasis?: string | null;
  relatedResources?: string[];
  sourceSystem?: string | null;
  scenarios?: string[];
}

/** The chaincode wants every member present; the API lets clients omit the empty ones. */
function withDefaults<T extends MetadataInput>(body: T) {
  return {
    ...body,
    shareConditions: body.shareConditions ?? null,
    legalBasis: body.legalBasis ?? null,
    relatedResources: body.relatedResources ?? [],
    sourceSystem: body.sourceSystem ?? null,
    scenarios: body.scenarios ?? [],
  };
}

/** What can be done with one catalog entry: where a listed or created entry links to. */
const ENTRY_OPERATIONS = [
  'GET /api/v1/catalog/{id}',
  'PUT /api/v1/catalog/{id}',
  'POST /api/v1/catalog/{id}/retire',
  'GET /api/v1/catalog/{id}/history',
  'POST /api/v1/catalog/{id}/require-update',
  'GET /api/v1/catalog/{id}/update-requirement',
  'GET /api/v1/catalog/{id}/versions',
  'POST /api/v1/catalog/{id}/versions',
];

const tags = ['catalog'];

export const catalogRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  readRoutes(app, ctx);
  writeRoutes(app, ctx);
  updateRequirementRoutes(app, ctx);
  done();
};

/** Reading the catalog: search, one entry, its history (open entries without a token). */
function readRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/',
    {
      // The open catalog is public, as open-data portals (CKAN) are: without a token, only the
      // active entries marked 开放 (open) are listed; with one, every entry.
      config: {
        public: true,
        links: follow({ id: '$response.body#/items/0/id' }, ...ENTRY_OPERATIONS),
      },
      schema: {
        tags,
        summary: 'search the catalog (without a token: its open entries)',
        description:
          'Text search over id, name, abstract and field names; filters by owner department, share type, ' +
          'sensitivity (entries having a field of that level), owner level, update frequency and status. ' +
          'Without a token only active entries whose openness is `open` (开放) are listed.',
        querystring: CatalogSearch,
        response: responses(Page(CatalogEntry), LIST),
      },
    },
    async (request) => {
      const { limit, cursor, level, ...filter } = request.query;
      const anonymous = request.principal === undefined;
      const ownerIn = level
        ? new Set(
            (await listDepartments(ctx, anonymous ? ctx.publicReader : callerOf(request)))
              .filter((d) => d.level === level)
              .map((d) => d.id),
          )
        : undefined;
      const open = anonymous ? { openness: 'open', status: 'active' } : {};
      return ctx.index.searchCatalog(
        { ...filter, ...(ownerIn ? { ownerIn } : {}), ...open },
        page({ limit, cursor }),
      );
    },
  );

  app.get(
    '/:id',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'one catalog entry, from the ledger (without a token: an open one)',
        description:
          "Any member department reads any entry, as the chaincode's GetEntry answers it (current version, owner, status, fields with their sensitivity). " +
          'Without a token only an active entry whose openness is `open` (开放) is answered; any other id, existing or not, ' +
          'answers 401 alike, so nothing says which entries exist behind sign-in. Records nothing.',
        params: CatalogParams,
        response: responses(CatalogEntry, [...READ, 'CATALOG_NOT_FOUND']),
      },
    },
    async (request) => {
      const { id } = request.params;
      if (request.principal) {
        return ctx.chaincode.evaluate<CatalogEntryType>(callerOf(request), TX.catalog.GetEntry, [
          id,
        ]);
      }
      const entry = await ctx.chaincode
        .evaluate<CatalogEntryType>(ctx.publicReader, TX.catalog.GetEntry, [id])
        .catch((err: unknown) => {
          if ((err as { code?: string }).code === 'CATALOG_NOT_FOUND') return null;
          throw err;
        });
      if (!entry || entry.openness !== 'open' || entry.status !== 'active')
        throw new GatewayError(
          'UNAUTHENTICATED',
          'sign in to read this catalog entry; without a token only open (开放) entries are shown',
        );
      return entry;
    },
  );

  app.get(
    '/:id/history',
    {
      schema: {
        tags,
        summary: 'every version of a catalog entry, from the ledger (key history)',
        description:
          "Every version the ledger holds for the entry's key, oldest first, each with the transaction that wrote it. Any member department; records nothing.",
        params: CatalogParams,
        response: responses(Type.Object({ items: Type.Array(HistoryItem(CatalogEntry)) }), [
          ...READ,
          'CATALOG_NOT_FOUND',
        ]),
      },
    },
    async (request) => ({
      items: await ctx.chaincode.evaluate<HistoryItemType<CatalogEntryType>[]>(
        callerOf(request),
        TX.catalog.GetEntryHistory,
        [request.params.id],
      ),
    }),
  );
}

/** The owner department's writes: create, publish a new version, retire. */
function writeRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/',
    {
      config: { links: follow({ id: '$response.body#/data/id' }, ...ENTRY_OPERATIONS) },
      schema: {
        tags,
        summary: 'create a catalog entry (publisher of the owner department)',
        description:
          "A publisher of a department creates an entry its department owns (资源代码 unique on the ledger). The ledger records the entry with a key-level endorsement policy naming the owner, so only the owner's node can change it later. 不予共享 (not_shared) entries must cite their legal basis, conditional ones their conditions.",
        body: CreateBody,
        response: responses(
          Written(CatalogEntry),
          [...WRITE, 'ALREADY_EXISTS', 'LEGAL_BASIS_REQUIRED'],
          201,
        ),
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await submitAs<CatalogEntryType>(ctx, request, TX.catalog.CreateEntry, [
            withDefaults(request.body),
          ]),
        ),
  );

  app.put(
    '/:id',
    {
      schema: {
        tags,
        summary: 'publish a new version of a catalog entry (owner only)',
        description:
          "A publisher of the owner department replaces the entry's metadata with a change reason; the ledger keeps every earlier version in the key's history (GET /catalog/{id}/history) and an open update requirement is answered by it.",
        params: CatalogParams,
        body: UpdateBody,
        response: responses(Written(CatalogEntry), [
          ...WRITE,
          'CATALOG_NOT_FOUND',
          'CATALOG_RETIRED',
          'LEGAL_BASIS_REQUIRED',
          'INVALID_STATE',
        ]),
      },
    },
    async (request) =>
      submitAs<CatalogEntryType>(ctx, request, TX.catalog.UpdateEntry, [
        request.params.id,
        withDefaults(request.body),
      ]),
  );

  app.post(
    '/:id/retire',
    {
      schema: {
        tags,
        summary: 'retire a catalog entry (owner only)',
        description:
          'A publisher of the owner department retires the entry with a reason: it stays readable, its history too, but no new versions, requests or uses are accepted. The ledger records the retirement as a new version of the entry.',
        params: CatalogParams,
        body: ReasonBody('该资源已由 PSB-POP-002 替代，停止更新'),
        response: responses(Written(CatalogEntry), [
          ...WRITE,
          'CATALOG_NOT_FOUND',
          'CATALOG_RETIRED',
          'INVALID_STATE',
        ]),
      },
    },
    async (request) =>
      submitAs<CatalogEntryType>(ctx, request, TX.catalog.RetireEntry, [
        request.params.id,
        request.body.reason,
      ]),
  );
}

/** Oversight's requirement that an entry be updated, and the latest one. */
function updateRequirementRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/:id/require-update',
    {
      schema: {
        tags,
        summary:
          'require the owner to update an entry within the working-day deadline (coordinator admin)',
        description: "The owner's next update, or the entry's retirement, answers it.",
        params: CatalogParams,
        body: ReasonBody('职责调整，须补充户籍迁移字段'),
        response: responses(
          Written(CatalogUpdateRequirement),
          [...WRITE, 'NOT_COORDINATOR', 'CATALOG_NOT_FOUND', 'CATALOG_RETIRED', 'INVALID_STATE'],
          201,
        ),
      },
    },
    async (request, reply) => {
      return reply
        .status(201)
        .send(
          await submitAs(
            ctx,
            request,
            TX.catalog.RequireUpdate,
            [request.params.id, request.body.reason],
            withOverdue(ctx)<UpdateRequirement>,
          ),
        );
    },
  );

  app.get(
    '/:id/update-requirement',
    {
      schema: {
        tags,
        summary: "the entry's latest update requirement, from the ledger",
        description:
          'The latest requirement the coordinator raised on this entry, with its working-day deadline and whether it is overdue (computed when read). Any member department; records nothing.',
        params: CatalogParams,
        response: responses(CatalogUpdateRequirement, [
          ...READ,
          'UPDATE_REQUIREMENT_NOT_FOUND',
          'CATALOG_NOT_FOUND',
        ]),
      },
    },
    async (request) =>
      withOverdue(ctx)(
        await ctx.chaincode.evaluate<UpdateRequirement>(
          callerOf(request),
          TX.catalog.GetUpdateRequirement,
          [request.params.id],
        ),
      ),
  );
}

const UpdateListQuery = Type.Object(
  {
    catalogId: Type.Optional(Id("one entry's latest requirement (none: an empty list)")),
    owner: Type.Optional(Id('owner department')),
    status: Type.Optional(Enums.catalogUpdateStatus),
    overdue: Type.Optional(
      Type.Boolean({ description: 'true: only those open past their deadline; false: the rest' }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
);

/**
 * Catalog update requirements across entries, from the index: every member may read them, as on
 * chain (ListUpdateRequirementsByOwner / ByStatus), so the coordinator follows what is owed and an
 * owner finds its own. A resource of its own so its path cannot shadow a catalog entry's id.
 */
export const catalogUpdateRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (
  app,
  { ctx },
  done,
) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'catalog update requirements, newest first, by owner and status',
        description:
          'Requirements the coordinator raised on catalog entries, from the query index: the coordinator follows what is owed, an owner finds its own. Any member department; records nothing.',
        querystring: UpdateListQuery,
        response: responses(Page(CatalogUpdateRequirement), LIST),
      },
    },
    async (request) => {
      const { catalogId, owner, overdue } = request.query;
      const result = await ctx.index.updateRequirements(
        catalogId
          ? { by: 'catalog', catalogId, ...(owner ? { owner } : {}) }
          : owner
            ? { by: 'owner', department: owner }
            : { by: 'all' },
        {
          ...page(request.query),
          ...(overdue === undefined ? {} : { overdue: { at: ctx.now(), is: overdue } }),
        },
      );
      return mapPage(result, withOverdue(ctx));
    },
  );
  done();
};
