/**
 * The request and answer shapes of the routes the console calls, apart from their plugins so that
 * the console's client (web/api.ts) takes its types from them (`Static<>`, type-only: nothing of
 * this reaches the browser bundle) and the two cannot drift. The ledger entities and the building
 * blocks are in schemas.ts; neither module may import Node or Fastify (the console typechecks them).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { REGISTRY_ROLES, ROLES } from '@shulian/chaincode/constants';
import type { DepartmentStats as IndexedStats } from '../index/stats.js';
import {
  Actor,
  AuditAct,
  Authorisation,
  CatalogFieldInput,
  DatasetVersion,
  Day,
  Delegation,
  Enums,
  Grant,
  Hex64,
  Id,
  Nullable,
  PageQuery,
  ShareRequest,
  StringEnum,
  UsageRecord,
  Text,
  TimeParam,
  VersionNumber,
  type Same,
} from './schemas.js';
import * as examples from './examples.js';

// ---- who is calling ----------------------------------------------------------------------------

export const Me = Type.Object({
  department: Type.String(),
  user: Type.String(),
  tokenRoles: Type.Array(StringEnum(ROLES), {
    description: 'roles written on the token (gateway views)',
  }),
  roles: Type.Array(StringEnum(ROLES), { description: 'roles the chaincode grants this caller' }),
  isCoordinator: Type.Boolean(),
  departmentRegistered: Type.Boolean(),
  lacks: Type.Array(StringEnum(ROLES), {
    description:
      "roles on the token that the ledger does not grant: ask the department's admin to set them",
  }),
});

/** A demo sign-in identity (demo mode only). */
export const DemoIdentity = Type.Object({
  department: Type.String(),
  user: Type.String(),
  roles: Type.Array(StringEnum(ROLES)),
  token: Type.String(),
  label: Type.Optional(Type.String()),
});

// ---- a department's users and the working-day calendar (administration) -------------------------

/** One user of a department as its admin sees it: ledger roles, tokens, and what they lack. */
/** A department's MSP id, as the coordinator registers it. */
export const DepartmentId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$',
  description: 'MSP id',
});

/** What the coordinator says of a department, at registration and after. */
export const DepartmentProfile = {
  nameZh: Text(256, 1),
  nameEn: Text(256, 1),
  level: Enums.level,
  parent: Type.Optional(Nullable(DepartmentId)),
  verifies: Type.Optional(
    Type.Array(Enums.subjectKind, {
      uniqueItems: true,
      description: 'kinds of data subject whose identity the department verifies',
    }),
  ),
};

/** A department as the coordinator registers it. */
export const DepartmentInput = Type.Object(
  { id: DepartmentId, ...DepartmentProfile },
  { additionalProperties: false },
);

export const DepartmentUser = Type.Object({
  user: Type.String(),
  roles: Type.Array(StringEnum(REGISTRY_ROLES), { description: 'roles the ledger grants' }),
  tokens: Type.Array(Type.Object({ tokenId: Type.String(), roles: Type.Array(StringEnum(ROLES)) })),
  lacks: Type.Array(StringEnum(ROLES), {
    description: 'roles a token of this user claims that the ledger does not grant',
  }),
});

/** A user created by the department's admin: the token (shown once) and the roles' transaction. */
export const UserCreated = Type.Object({
  token: Type.String({ description: 'shown once' }),
  tokenId: Type.String(),
  department: Type.String(),
  user: Type.String(),
  roles: Type.Array(StringEnum(REGISTRY_ROLES)),
  tx: Type.Object({ txId: Type.String(), blockNumber: Type.Integer() }),
});

/** A year's holidays and make-up working days (调休), as published on the ledger. */
export const WorkingCalendar = Type.Object({
  year: Type.Integer(),
  holidays: Type.Array(Day),
  workdays: Type.Array(Day),
  updatedAt: Type.String(),
  updatedBy: Actor,
});

// ---- catalog and versions ----------------------------------------------------------------------

/** What a department writes; ids, owner, version and times come from the chaincode. */
export const CatalogMetadata = {
  name: Text(256, 1),
  classification: Enums.classification,
  abstract: Text(4096),
  format: Enums.datasetFormat,
  fields: Type.Array(CatalogFieldInput, { minItems: 1, maxItems: 500 }),
  subjectField: Type.Optional(
    Nullable(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
        description:
          'the field holding the subject identifier (身份证号 / 统一社会信用代码); required when a field needs consent',
      }),
    ),
  ),
  shareType: Enums.shareType,
  shareConditions: Type.Optional(Nullable(Text(4096))),
  legalBasis: Type.Optional(Nullable(Text(4096, 1))),
  shareMethods: Type.Array(Enums.shareMethod, { minItems: 1, uniqueItems: true }),
  openness: Enums.openness,
  updateFrequency: Enums.updateFrequency,
  publishDate: Day,
  relatedResources: Type.Optional(Type.Array(Id(), { uniqueItems: true, maxItems: 100 })),
  sourceSystem: Type.Optional(Nullable(Text(256))),
  scenarios: Type.Optional(Type.Array(Text(4096), { maxItems: 100 })),
};

/** Catalog search filters (the index's). */
export const CatalogSearch = Type.Object(
  {
    q: Type.Optional(Text(200, 1)),
    owner: Type.Optional(Id('owner department')),
    shareType: Type.Optional(Enums.shareType),
    sensitivity: Type.Optional(Enums.sensitivity),
    level: Type.Optional(Enums.level),
    updateFrequency: Type.Optional(Enums.updateFrequency),
    status: Type.Optional(Enums.catalogStatus),
    ...PageQuery,
  },
  { additionalProperties: false },
);

/** A version as listed: where it was anchored travels with it (txId, block). */
export const AnchoredVersion = Type.Intersect([
  DatasetVersion,
  Type.Object({ txId: Type.String(), blockNumber: Type.Integer() }),
]);

/** A version found by its digest or record root. */
export const VersionMatch = Type.Object(
  {
    catalogId: Type.String(),
    catalogName: Nullable(Type.String()),
    version: Type.Integer(),
    owner: Type.String(),
    digest: Type.Object({ algorithm: Type.String(), value: Type.String() }),
    recordRoot: Nullable(Type.String()),
    txId: Type.String(),
    blockNumber: Type.Integer(),
    anchoredAt: Type.String(),
  },
  { examples: [examples.versionMatch] },
);

// ---- requests and objections ------------------------------------------------------------------

export const FieldNames = Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), {
  minItems: 1,
  maxItems: 500,
  uniqueItems: true,
});

export const RequestInput = Type.Object(
  {
    catalogId: Id('catalog entry requested'),
    fields: FieldNames,
    purpose: Enums.purpose,
    scenario: Text(4096, 1),
    period: Type.Object({ from: Day, to: Day }, { additionalProperties: false }),
    emergency: Type.Optional(
      Type.Boolean({ description: '应急绿色通道: deadline in hours, not days' }),
    ),
  },
  { additionalProperties: false, examples: [examples.requestInput] },
);

/** A provider's answer to a request, with the grant it made. */
export const RequestDecision = Type.Object({ request: ShareRequest, grant: Nullable(Grant) });

export const ObjectionInput = Type.Object(
  {
    catalogId: Id(),
    version: VersionNumber(),
    description: Text(4096, 1),
    recordRefs: Type.Array(Text(256, 1), { minItems: 1, maxItems: 1000, uniqueItems: true }),
    fields: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), {
        maxItems: 500,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false, examples: [examples.objectionInput] },
);

export const ObjectionResolution = Type.Object(
  {
    resolution: StringEnum(['corrected', 'rejected'] as const),
    correctedVersion: Type.Optional(Nullable(VersionNumber('the version that corrects the data'))),
    reason: Type.Optional(Nullable(Text(2048))),
  },
  { additionalProperties: false, examples: [examples.objectionResolution] },
);

// ---- audit and statistics -----------------------------------------------------------------------

/** Audit filters over recorded uses. */
/** A user named in a trail's filter (any identity name; no slashes or control characters). */
const UserParam = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[^/\\u0000-\\u001f]+$', description });

export const UsageFilter = {
  catalogId: Type.Optional(Id('uses of this catalog entry')),
  department: Type.Optional(Id('uses by this (consumer) department')),
  provider: Type.Optional(Id('uses of data owned by this department')),
  user: Type.Optional(UserParam('with department: uses by this user')),
  from: Type.Optional(TimeParam('from (YYYY-MM-DD in CST, or an ISO instant), inclusive')),
  to: Type.Optional(TimeParam('to (YYYY-MM-DD in CST, or an ISO instant), inclusive')),
  outcome: Type.Optional(Enums.usageOutcome),
};

/** The full-process trail's filters: each one given must hold. */
export const ActFilter = {
  department: Type.Optional(Id('acts concerning this department (as actor or party)')),
  act: Type.Optional(Enums.act),
  outcome: Type.Optional(Enums.usageOutcome),
  user: Type.Optional(UserParam('acts by this user (in `department`, when given)')),
  catalogId: Type.Optional(Id('acts on this catalog entry')),
  from: UsageFilter.from,
  to: UsageFilter.to,
};

export const ACT_PERIODS = ['month', 'quarter'] as const;
const Month = (description: string) =>
  Type.String({ pattern: '^\\d{4}-(?:0[1-9]|1[0-2])$', description });

export const ActFiguresQuery = Type.Object(
  {
    period: Type.Optional(StringEnum(ACT_PERIODS, { description: 'month (default) or quarter' })),
    from: Type.Optional(Month('first month, YYYY-MM (CST); default 11 months before `to`')),
    to: Type.Optional(Month('last month, YYYY-MM (CST); default this month')),
    department: Type.Optional(Id('acts by this department only')),
  },
  { additionalProperties: false },
);

/** Acts counted per period (YYYY-MM or YYYY-Qn, CST), acting department and act. */
export const ActFigures = Type.Object({
  period: StringEnum(ACT_PERIODS),
  from: Type.String({ description: 'first month counted' }),
  to: Type.String({ description: 'last month counted' }),
  items: Type.Array(
    Type.Object({
      period: Type.String({ examples: ['2026-03'] }),
      department: Type.String(),
      act: Enums.act,
      outcome: Nullable(Enums.usageOutcome),
      count: Type.Integer({ minimum: 1 }),
    }),
  ),
});

/** A proportion, null when there is nothing to divide by. */
const Rate = (description: string) =>
  Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

/** The schema documents exactly the statistics the index computes; drift fails to compile. */
const matchingIndex = <S extends TSchema>(
  schema: S & (Same<Static<S>, IndexedStats> extends true ? unknown : never),
): S => schema;

export const DepartmentStats = matchingIndex(
  Type.Object(
    {
      department: Type.String(),
      catalogEntries: Type.Integer(),
      notShared: Type.Integer({ description: '不予共享 entries' }),
      datasetVersions: Type.Integer(),
      requestsReceived: Type.Integer(),
      answered: Type.Integer(),
      approved: Type.Integer(),
      rejected: Type.Integer(),
      meanResponseHours: Nullable(Type.Number()),
      maxResponseHours: Nullable(Type.Number()),
      answeredLate: Type.Integer({ description: 'answered after the deadline' }),
      overdueRequests: Type.Integer({ description: 'still open past the deadline' }),
      objectionsReceived: Type.Integer(),
      overdueObjections: Type.Integer(),
      overdueCatalogUpdates: Type.Integer({
        description: 'catalog update requirements still open past the deadline',
      }),
      shareRate: Rate('approved / answered requests (按需共享率)'),
      qualityRate: Rate('dataset versions without an upheld objection / dataset versions'),
      usesAllowed: Type.Integer(),
      usesDenied: Type.Integer(),
    },
    { examples: [examples.departmentStats] },
  ),
);

// ---- the ledger ---------------------------------------------------------------------------------

// ---- the explorer: blocks and transactions ------------------------------------------------------

export const Transaction = Type.Object(
  {
    txId: Type.String(),
    index: Type.Integer(),
    blockNumber: Type.Integer(),
    validationCode: Type.String(),
    timestamp: Type.String(),
    creator: Type.Object({ department: Type.String(), user: Type.String() }),
    fcn: Type.String(),
    event: Nullable(Type.Object({ name: Type.String(), payload: Type.Unknown() })),
  },
  { examples: [examples.transaction] },
);
/** A transaction with the act of the audit trail it recorded, when it recorded one. */
export const TransactionDetail = Type.Object(
  { ...Transaction.properties, act: Nullable(AuditAct) },
  { examples: [{ ...examples.transaction, act: { ...examples.auditAct, ...examples.txRef } }] },
);
const BlockTime = Nullable(
  Type.String({ description: "its latest transaction's time; null for a block without any" }),
);
export const Block = Type.Object(
  {
    blockNumber: Type.Integer(),
    blockHash: Type.String(),
    time: BlockTime,
    transactions: Type.Array(Transaction),
  },
  { examples: [{ ...examples.block, time: examples.transaction.timestamp }] },
);
export const BlockSummary = Type.Object({
  blockNumber: Type.Integer(),
  blockHash: Type.String(),
  time: BlockTime,
  txCount: Type.Integer(),
  validTxCount: Type.Integer(),
});
export const BlockPage = Type.Object({ height: Type.Integer(), items: Type.Array(BlockSummary) });

export const NodeStatus = Type.Object(
  {
    id: Type.String(),
    running: Type.Boolean(),
    height: Type.Integer(),
    lastBlockHash: Type.String(),
    commitHash: Type.String(),
    halted: Type.Optional(
      Type.String({ description: 'why the node stopped committing; repair it to resume' }),
    ),
    stalled: Type.Optional(
      Type.String({ description: 'why the node waits to commit (a full disk); resumes by itself' }),
    ),
  },
  { examples: [examples.nodeStatus] },
);
export const NetworkStatus = Type.Object(
  {
    engine: StringEnum(['embedded', 'fabric'] as const),
    channel: Type.String(),
    height: Type.Integer(),
    nodes: Type.Array(NodeStatus),
    agreement: Type.Boolean(),
    indexedBlock: Type.Integer({
      description: 'last block in the query index; -1 before the first',
    }),
  },
  { examples: [examples.networkStatus] },
);
export const VerifyReport = Type.Object({
  ok: Type.Boolean(),
  checkedBlocks: Type.Integer(),
  divergences: Type.Array(
    Type.Object({
      node: Type.String(),
      height: Type.Integer(),
      key: Type.Optional(Type.String()),
      file: Type.Optional(Type.String({ description: 'the damaged file (dataset store)' })),
      reason: Type.String(),
    }),
  ),
});

// ---- a data subject's own trail (the digital safe) ---------------------------------------------

/**
 * What a subject reads of their own data: every use naming them, their authorisations and, for
 * an enterprise, its delegations to agents (经办人).
 */
export const SubjectTrail = Type.Object(
  {
    subject: Hex64,
    uses: Type.Array(UsageRecord),
    authorisations: Type.Array(Authorisation),
    delegations: Type.Array(Delegation),
  },
  { examples: [examples.trail] },
);
