/**
 * Names shared by the chaincode, the gateway, the embedded network and the browser console.
 *
 * Dependency-free on purpose (no fabric imports): the browser bundle and the gateway import it
 * to name transactions, match events and interpret error codes without loading Fabric.
 */

export const CONTRACTS = {
  governance: 'governance',
  catalog: 'catalog',
  dataset: 'dataset',
  sharing: 'sharing',
  usage: 'usage',
  quality: 'quality',
  consent: 'consent',
} as const;

/** Fully qualified transaction names in fabric-contract-api's `contract:Function` form. */
export const TX = {
  governance: {
    InitLedger: 'governance:InitLedger',
    RegisterDepartment: 'governance:RegisterDepartment',
    UpdateDepartment: 'governance:UpdateDepartment',
    SetUserRoles: 'governance:SetUserRoles',
    SetCalendar: 'governance:SetCalendar',
    GetConfig: 'governance:GetConfig',
    WhoAmI: 'governance:WhoAmI',
    GetDepartment: 'governance:GetDepartment',
    ListDepartments: 'governance:ListDepartments',
    GetDepartmentHistory: 'governance:GetDepartmentHistory',
    GetUserRoles: 'governance:GetUserRoles',
    ListUserRoles: 'governance:ListUserRoles',
    GetUserRolesHistory: 'governance:GetUserRolesHistory',
    GetCalendar: 'governance:GetCalendar',
    PublishGateway: 'governance:PublishGateway',
    GetGateway: 'governance:GetGateway',
    ListGateways: 'governance:ListGateways',
    GetGatewayHistory: 'governance:GetGatewayHistory',
  },
  catalog: {
    CreateEntry: 'catalog:CreateEntry',
    UpdateEntry: 'catalog:UpdateEntry',
    RetireEntry: 'catalog:RetireEntry',
    RequireUpdate: 'catalog:RequireUpdate',
    GetEntry: 'catalog:GetEntry',
    GetEntryVersion: 'catalog:GetEntryVersion',
    GetEntryHistory: 'catalog:GetEntryHistory',
    ListEntries: 'catalog:ListEntries',
    ListEntriesByOwner: 'catalog:ListEntriesByOwner',
    GetUpdateRequirement: 'catalog:GetUpdateRequirement',
    GetUpdateRequirementHistory: 'catalog:GetUpdateRequirementHistory',
    ListUpdateRequirementsByOwner: 'catalog:ListUpdateRequirementsByOwner',
    ListUpdateRequirementsByStatus: 'catalog:ListUpdateRequirementsByStatus',
  },
  dataset: {
    AnchorVersion: 'dataset:AnchorVersion',
    GetVersion: 'dataset:GetVersion',
    GetLatestVersion: 'dataset:GetLatestVersion',
    ListVersions: 'dataset:ListVersions',
    FindVersionsByDigest: 'dataset:FindVersionsByDigest',
  },
  sharing: {
    CreateRequest: 'sharing:CreateRequest',
    ApproveRequest: 'sharing:ApproveRequest',
    RejectRequest: 'sharing:RejectRequest',
    EscalateRequest: 'sharing:EscalateRequest',
    WithdrawRequest: 'sharing:WithdrawRequest',
    ExpireRequest: 'sharing:ExpireRequest',
    RevokeGrant: 'sharing:RevokeGrant',
    GetRequest: 'sharing:GetRequest',
    GetRequestHistory: 'sharing:GetRequestHistory',
    ListRequestsByRequester: 'sharing:ListRequestsByRequester',
    ListRequestsByProvider: 'sharing:ListRequestsByProvider',
    ListRequestsByStatus: 'sharing:ListRequestsByStatus',
    ListRequestsByCatalog: 'sharing:ListRequestsByCatalog',
    GetGrant: 'sharing:GetGrant',
    GetGrantHistory: 'sharing:GetGrantHistory',
    ListGrantsByConsumer: 'sharing:ListGrantsByConsumer',
    ListGrantsByProvider: 'sharing:ListGrantsByProvider',
    ListGrantsByCatalog: 'sharing:ListGrantsByCatalog',
  },
  usage: {
    RecordUse: 'usage:RecordUse',
    CheckUse: 'usage:CheckUse',
    GetUse: 'usage:GetUse',
    ListUsesByConsumer: 'usage:ListUsesByConsumer',
    ListUsesByProvider: 'usage:ListUsesByProvider',
    ListUsesByCatalog: 'usage:ListUsesByCatalog',
    ListUsesByGrant: 'usage:ListUsesByGrant',
  },
  quality: {
    RaiseObjection: 'quality:RaiseObjection',
    ResolveObjection: 'quality:ResolveObjection',
    GetObjection: 'quality:GetObjection',
    GetObjectionHistory: 'quality:GetObjectionHistory',
    ListObjectionsByCatalog: 'quality:ListObjectionsByCatalog',
    ListObjectionsByProvider: 'quality:ListObjectionsByProvider',
    ListObjectionsByRaiser: 'quality:ListObjectionsByRaiser',
    ListObjectionsByStatus: 'quality:ListObjectionsByStatus',
  },
  consent: {
    BindSubject: 'consent:BindSubject',
    GetSubjectBinding: 'consent:GetSubjectBinding',
    GetSubjectBindingHistory: 'consent:GetSubjectBindingHistory',
    SubmitAuthorisation: 'consent:SubmitAuthorisation',
    RevokeAuthorisation: 'consent:RevokeAuthorisation',
    GetAuthorisation: 'consent:GetAuthorisation',
    GetAuthorisationHistory: 'consent:GetAuthorisationHistory',
    ListAuthorisationsBySubject: 'consent:ListAuthorisationsBySubject',
    ListUsesBySubject: 'consent:ListUsesBySubject',
    ListUsesByAuthorisation: 'consent:ListUsesByAuthorisation',
    SubmitDelegation: 'consent:SubmitDelegation',
    RevokeDelegation: 'consent:RevokeDelegation',
    GetDelegation: 'consent:GetDelegation',
    ListDelegationsBySubject: 'consent:ListDelegationsBySubject',
  },
} as const;

type Values<T> = T[keyof T];
export type TransactionName = Values<{ [C in keyof typeof TX]: Values<(typeof TX)[C]> }>;

/** Transactions that write; every other name in TX is a read-only query. */
export const SUBMIT_TRANSACTIONS: readonly TransactionName[] = [
  TX.governance.InitLedger,
  TX.governance.RegisterDepartment,
  TX.governance.UpdateDepartment,
  TX.governance.SetUserRoles,
  TX.governance.SetCalendar,
  TX.governance.PublishGateway,
  TX.catalog.CreateEntry,
  TX.catalog.UpdateEntry,
  TX.catalog.RetireEntry,
  TX.catalog.RequireUpdate,
  TX.dataset.AnchorVersion,
  TX.sharing.CreateRequest,
  TX.sharing.ApproveRequest,
  TX.sharing.RejectRequest,
  TX.sharing.EscalateRequest,
  TX.sharing.WithdrawRequest,
  TX.sharing.ExpireRequest,
  TX.sharing.RevokeGrant,
  TX.usage.RecordUse,
  TX.quality.RaiseObjection,
  TX.quality.ResolveObjection,
  TX.consent.BindSubject,
  TX.consent.SubmitAuthorisation,
  TX.consent.RevokeAuthorisation,
  TX.consent.SubmitDelegation,
  TX.consent.RevokeDelegation,
];

/**
 * Chaincode event names. Fabric keeps one event per transaction, so each write emits exactly
 * one; its payload is the canonical JSON of the written entity (share-request transactions:
 * RequestDecisionResult).
 */
export const EVENTS = {
  LedgerInitialized: 'LedgerInitialized',
  DepartmentRegistered: 'DepartmentRegistered',
  DepartmentUpdated: 'DepartmentUpdated',
  UserRolesSet: 'UserRolesSet',
  CalendarSet: 'CalendarSet',
  GatewayPublished: 'GatewayPublished',
  CatalogEntryCreated: 'CatalogEntryCreated',
  CatalogEntryUpdated: 'CatalogEntryUpdated',
  CatalogEntryRetired: 'CatalogEntryRetired',
  /**
   * The coordinator requires an entry's update. There is no event of its own for meeting it: the
   * owner's next CatalogEntryUpdated (or CatalogEntryRetired) of that entry closes it, and that
   * event's payload is `{ entry, requirement }` with the requirement it answered (or null).
   */
  CatalogUpdateRequired: 'CatalogUpdateRequired',
  DatasetVersionAnchored: 'DatasetVersionAnchored',
  ShareRequestCreated: 'ShareRequestCreated',
  /** Also emitted by CreateRequest when an unconditional entry is granted automatically. */
  ShareRequestApproved: 'ShareRequestApproved',
  ShareRequestRejected: 'ShareRequestRejected',
  ShareRequestEscalated: 'ShareRequestEscalated',
  ShareRequestWithdrawn: 'ShareRequestWithdrawn',
  ShareRequestExpired: 'ShareRequestExpired',
  GrantRevoked: 'GrantRevoked',
  UseRecorded: 'UseRecorded',
  ObjectionRaised: 'ObjectionRaised',
  ObjectionResolved: 'ObjectionResolved',
  /** A verifying department bound (or replaced) a data subject's public key. */
  SubjectBound: 'SubjectBound',
  AuthorisationSubmitted: 'AuthorisationSubmitted',
  AuthorisationRevoked: 'AuthorisationRevoked',
  /** An enterprise's legal representative delegated signing to an agent (经办人), or revoked it. */
  DelegationSubmitted: 'DelegationSubmitted',
  DelegationRevoked: 'DelegationRevoked',
} as const;
export type EventName = Values<typeof EVENTS>;

/** Fabric NodeOU that marks a department administrator's certificate. */
export const ADMIN_OU = 'admin';

/**
 * `verifier` (实名核验): binds a data subject's key after checking the person's or enterprise's
 * identity, in a department whose record says it verifies that kind of subject.
 */
export const ROLES = ['admin', 'publisher', 'consumer', 'supervisor', 'verifier'] as const;
export type Role = (typeof ROLES)[number];
/** Roles kept in the on-chain registry; `admin` comes from the certificate instead. */
export const REGISTRY_ROLES = ['publisher', 'consumer', 'supervisor', 'verifier'] as const;
export type RegistryRole = (typeof REGISTRY_ROLES)[number];

export const DEPARTMENT_LEVELS = ['province', 'city', 'county', 'town'] as const;
export type DepartmentLevel = (typeof DEPARTMENT_LEVELS)[number];

export const DEPARTMENT_STATUSES = ['active', 'suspended'] as const;
export type DepartmentStatus = (typeof DEPARTMENT_STATUSES)[number];

/**
 * Data subjects (个人 / 企业): who may authorise the use of their own sensitive data. A department
 * record lists the kinds whose identity it verifies (public security: persons; market
 * regulation: enterprises); a catalog field marked with a kind needs that subject's consent.
 */
export const SUBJECT_KINDS = ['person', 'enterprise'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/**
 * What a subject's signature says, the first member of every signed statement, so a signature
 * over one kind of statement can never be presented as another (domain separation).
 */
export const SUBJECT_STATEMENTS = {
  authorise: 'shulian:authorise:v1',
  revoke: 'shulian:revoke:v1',
  trail: 'shulian:trail:v1',
  /** An enterprise's legal representative (法定代表人) delegates signing to an agent (经办人). */
  delegate: 'shulian:delegate:v1',
  undelegate: 'shulian:undelegate:v1',
} as const;

/**
 * What an agent (经办人) may sign for an enterprise under a delegation, each named by the
 * statement it signs: authorisations, their revocations, reading the enterprise's trail. An agent
 * never delegates further: only the legal representative's bound key signs delegations.
 */
export const DELEGATED_ACTS = ['authorise', 'revoke', 'trail'] as const;
export type DelegatedAct = (typeof DELEGATED_ACTS)[number];

/** How far a trail statement's time may be from the transaction's: it proves a fresh signature. */
export const TRAIL_STATEMENT_SKEW_MS = 5 * 60 * 1000;

export const SHARE_TYPES = ['unconditional', 'conditional', 'not_shared'] as const;
export type ShareType = (typeof SHARE_TYPES)[number];

/** 基础库 / 主题库 / 部门库 */
export const CATALOG_CLASSIFICATIONS = ['base', 'theme', 'department'] as const;
export type CatalogClassification = (typeof CATALOG_CLASSIFICATIONS)[number];

/** 接口 / 库表交换 / 文件下载 / 在线查询 */
export const SHARE_METHODS = ['api', 'table_exchange', 'file', 'online_query'] as const;
export type ShareMethod = (typeof SHARE_METHODS)[number];

export const OPENNESS = ['open', 'conditional_open', 'not_open'] as const;
export type Openness = (typeof OPENNESS)[number];

export const UPDATE_FREQUENCIES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
  'irregular',
] as const;
export type UpdateFrequency = (typeof UPDATE_FREQUENCIES)[number];

export const CATALOG_STATUSES = ['active', 'retired'] as const;
export type CatalogStatus = (typeof CATALOG_STATUSES)[number];

/** A required catalog update is open until the owner updates the entry, or retires it. */
export const CATALOG_UPDATE_STATUSES = ['open', 'updated', 'retired'] as const;
export type CatalogUpdateStatus = (typeof CATALOG_UPDATE_STATUSES)[number];

export const FIELD_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'date',
  'datetime',
  'binary',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** 分类分级: classified (涉密) data never travels on this network, so it is not a level here. */
export const SENSITIVITY_LEVELS = ['public', 'internal', 'sensitive', 'important'] as const;
export type Sensitivity = (typeof SENSITIVITY_LEVELS)[number];

export const PURPOSES = [
  'administrative_basis',
  'work_reference',
  'data_verification',
  'business_coordination',
] as const;
export type Purpose = (typeof PURPOSES)[number];
export const PURPOSE_LABELS: Readonly<Record<Purpose, { zh: string; en: string }>> = {
  administrative_basis: { zh: '行政依据', en: 'Administrative basis' },
  work_reference: { zh: '工作参考', en: 'Work reference' },
  data_verification: { zh: '数据校核', en: 'Data verification' },
  business_coordination: { zh: '业务协同', en: 'Business coordination' },
};

export const REQUEST_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'escalated',
  'withdrawn',
  'expired',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
/** Statuses that still wait for someone's answer and can therefore be overdue. */

/**
 * The grantor user of automatic grants: the provider department's unconditional-sharing rule
 * (无条件共享), not any person, and never the requester.
 */
export const AUTOMATIC_GRANTOR = 'rule:unconditional';

/** `prove`: a record proof issued (it discloses the record's granted fields). */
export const USAGE_ACTIONS = ['download', 'query', 'verify', 'prove'] as const;
export type UsageAction = (typeof USAGE_ACTIONS)[number];

/**
 * Tabular media types, the only data that can be projected to a grant's fields (and anchored
 * record by record). Parameters (`; charset=utf-8`) are ignored.
 */
export const TABULAR_MEDIA_TYPES: Readonly<Record<string, 'csv' | 'jsonl'>> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
};

export function tabularFormatOf(mediaType: string): 'csv' | 'jsonl' | null {
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(TABULAR_MEDIA_TYPES, type) ? TABULAR_MEDIA_TYPES[type]! : null;
}

/**
 * What a catalog entry declares its data to be (数据格式): a media type, one canonical name per
 * format. JSON Lines is `application/x-ndjson` (the name most tools send); `application/jsonl`
 * and `application/x-jsonlines` are read as it. Every version anchored under an entry must be of
 * the entry's format: the ledger refuses another (MEDIA_TYPE_MISMATCH), and gateways check the
 * bytes against it before anchoring. `application/octet-stream` (opaque bytes, nothing checked)
 * holds only for an entry that declares it.
 */
export const DATASET_FORMATS = [
  'text/csv',
  'application/x-ndjson',
  'application/json',
  'text/plain',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'image/png',
  'image/jpeg',
  'application/octet-stream',
] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const DATASET_FORMAT_LABELS: Readonly<Record<DatasetFormat, { zh: string; en: string }>> = {
  'text/csv': { zh: 'CSV 表格', en: 'CSV table' },
  'application/x-ndjson': { zh: 'JSON Lines（每行一条 JSON 记录）', en: 'JSON Lines' },
  'application/json': { zh: 'JSON 文档', en: 'JSON document' },
  'text/plain': { zh: '纯文本', en: 'Plain text' },
  'application/pdf': { zh: 'PDF 文档', en: 'PDF document' },
  'application/zip': { zh: 'ZIP 压缩包', en: 'ZIP archive' },
  'application/gzip': { zh: 'GZIP 压缩文件', en: 'GZIP file' },
  'image/png': { zh: 'PNG 图像', en: 'PNG image' },
  'image/jpeg': { zh: 'JPEG 图像', en: 'JPEG image' },
  'application/octet-stream': {
    zh: '其他二进制文件（不检查内容）',
    en: 'Other binary (unchecked)',
  },
};

/**
 * Other names of the formats: media type aliases, and the free text entries declared before
 * formats were media types ('CSV', 'JSON Lines'), so that those entries read as the media type
 * they named. Keys are lower case.
 */
const FORMAT_ALIASES: Readonly<Record<string, DatasetFormat>> = {
  'application/jsonl': 'application/x-ndjson',
  'application/x-jsonlines': 'application/x-ndjson',
  'application/jsonlines': 'application/x-ndjson',
  'application/x-gzip': 'application/gzip',
  'application/x-zip-compressed': 'application/zip',
  csv: 'text/csv',
  'json lines': 'application/x-ndjson',
  jsonlines: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  text: 'text/plain',
  txt: 'text/plain',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gzip: 'application/gzip',
  png: 'image/png',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
};

/**
 * The format a media type or an entry's declared format names, or null when it names none of
 * DATASET_FORMATS. Case, surrounding space and parameters (`; charset=utf-8`) are ignored.
 */
export function datasetFormatOf(name: string): DatasetFormat | null {
  const type = name.split(';')[0]!.trim().toLowerCase();
  if ((DATASET_FORMATS as readonly string[]).includes(type)) return type as DatasetFormat;
  return Object.hasOwn(FORMAT_ALIASES, type) ? FORMAT_ALIASES[type]! : null;
}

/**
 * An entry's format as stored, read as a media type: an old free-text format that names none
 * (say 'Excel 表格') declared nothing checkable, and reads as opaque bytes.
 */
export const storedFormatOf = (stored: string): DatasetFormat =>
  datasetFormatOf(stored) ?? 'application/octet-stream';

export const USAGE_OUTCOMES = ['ALLOWED', 'DENIED'] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

export const OBJECTION_STATUSES = ['open', 'corrected', 'rejected'] as const;
export type ObjectionStatus = (typeof OBJECTION_STATUSES)[number];
export const OBJECTION_RESOLUTIONS = ['corrected', 'rejected'] as const;
export type ObjectionResolution = (typeof OBJECTION_RESOLUTIONS)[number];

export const DIGEST_ALGORITHMS = ['sha256', 'sm3'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export const DEFAULT_DEADLINES = {
  requestWorkingDays: 10,
  objectionWorkingDays: 2,
  catalogUpdateWorkingDays: 15,
  emergencyHours: 4,
} as const;

/** China Standard Time offset; deadlines are counted in CST whatever the server's zone. */
export const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/**
 * Stable error codes. A chaincode error's message is `[CODE] human message`; the gateway
 * extracts the code with ERROR_PATTERN from whatever Fabric or the embedded network wrapped
 * around it.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_INITIALIZED: 'NOT_INITIALIZED',
  ALREADY_INITIALIZED: 'ALREADY_INITIALIZED',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  DEPARTMENT_NOT_FOUND: 'DEPARTMENT_NOT_FOUND',
  DEPARTMENT_SUSPENDED: 'DEPARTMENT_SUSPENDED',
  FORBIDDEN_ROLE: 'FORBIDDEN_ROLE',
  FORBIDDEN_DEPARTMENT: 'FORBIDDEN_DEPARTMENT',
  NOT_COORDINATOR: 'NOT_COORDINATOR',
  NOT_OWNER: 'NOT_OWNER',
  CALENDAR_NOT_FOUND: 'CALENDAR_NOT_FOUND',
  /** The department has not published its gateway in the directory. */
  GATEWAY_NOT_FOUND: 'GATEWAY_NOT_FOUND',
  CATALOG_NOT_FOUND: 'CATALOG_NOT_FOUND',
  CATALOG_RETIRED: 'CATALOG_RETIRED',
  UPDATE_REQUIREMENT_NOT_FOUND: 'UPDATE_REQUIREMENT_NOT_FOUND',
  LEGAL_BASIS_REQUIRED: 'LEGAL_BASIS_REQUIRED',
  NOT_SHARED: 'NOT_SHARED',
  FIELD_NOT_IN_CATALOG: 'FIELD_NOT_IN_CATALOG',
  DATASET_VERSION_NOT_FOUND: 'DATASET_VERSION_NOT_FOUND',
  REQUEST_NOT_FOUND: 'REQUEST_NOT_FOUND',
  INVALID_STATE: 'INVALID_STATE',
  REASON_REQUIRED: 'REASON_REQUIRED',
  GRANT_NOT_FOUND: 'GRANT_NOT_FOUND',
  GRANT_EXPIRED: 'GRANT_EXPIRED',
  GRANT_NOT_YET_VALID: 'GRANT_NOT_YET_VALID',
  GRANT_REVOKED: 'GRANT_REVOKED',
  GRANT_NOT_HOLDER: 'GRANT_NOT_HOLDER',
  GRANT_CATALOG_MISMATCH: 'GRANT_CATALOG_MISMATCH',
  FIELDS_NOT_GRANTED: 'FIELDS_NOT_GRANTED',
  PURPOSE_MISMATCH: 'PURPOSE_MISMATCH',
  USE_LIMIT_REACHED: 'USE_LIMIT_REACHED',
  /** A field-limited use of data that cannot be projected to fields (not tabular): never served whole. */
  FIELDS_NOT_PROJECTABLE: 'FIELDS_NOT_PROJECTABLE',
  MEDIA_TYPE_MISMATCH: 'MEDIA_TYPE_MISMATCH',
  USAGE_NOT_FOUND: 'USAGE_NOT_FOUND',
  RECORD_NOT_FOUND: 'RECORD_NOT_FOUND',
  OBJECTION_NOT_FOUND: 'OBJECTION_NOT_FOUND',
  /** The subject has no public key bound on the ledger. */
  SUBJECT_NOT_BOUND: 'SUBJECT_NOT_BOUND',
  /** A subject's signature does not verify against the bound key (or the statement is stale). */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** The same signed authorisation was submitted before. */
  AUTHORISATION_REPLAYED: 'AUTHORISATION_REPLAYED',
  /** A use of consent fields names no subject or no authorisation (or is not per subject). */
  AUTHORISATION_REQUIRED: 'AUTHORISATION_REQUIRED',
  AUTHORISATION_NOT_FOUND: 'AUTHORISATION_NOT_FOUND',
  AUTHORISATION_REVOKED: 'AUTHORISATION_REVOKED',
  AUTHORISATION_EXPIRED: 'AUTHORISATION_EXPIRED',
  AUTHORISATION_NOT_YET_VALID: 'AUTHORISATION_NOT_YET_VALID',
  /** Every use the subject allowed is spent. */
  AUTHORISATION_SPENT: 'AUTHORISATION_SPENT',
  AUTHORISATION_PURPOSE_MISMATCH: 'AUTHORISATION_PURPOSE_MISMATCH',
  /** The authorisation does not cover the entry or some consent field used. */
  AUTHORISATION_FIELDS: 'AUTHORISATION_FIELDS',
  /** The authorisation is another subject's (or another kind of subject's). */
  AUTHORISATION_SUBJECT_MISMATCH: 'AUTHORISATION_SUBJECT_MISMATCH',
  /** The authorisation names another consumer department. */
  AUTHORISATION_NOT_HOLDER: 'AUTHORISATION_NOT_HOLDER',
  /** Signed with a key the subject has since replaced (lost phone): void. */
  AUTHORISATION_KEY_REPLACED: 'AUTHORISATION_KEY_REPLACED',
  /** Signed by an agent under a delegation the enterprise has since revoked (or voided): void. */
  AUTHORISATION_DELEGATION_REVOKED: 'AUTHORISATION_DELEGATION_REVOKED',
  DELEGATION_NOT_FOUND: 'DELEGATION_NOT_FOUND',
  /** The same signed delegation was submitted before. */
  DELEGATION_REPLAYED: 'DELEGATION_REPLAYED',
  /** The delegation an agent signs under is revoked, void (key replaced), not yet valid or ended. */
  DELEGATION_NOT_LIVE: 'DELEGATION_NOT_LIVE',
  /** The agent signed what the delegation does not let them sign (act, entry, period, subject). */
  DELEGATION_OUT_OF_SCOPE: 'DELEGATION_OUT_OF_SCOPE',
  /**
   * A use the owner's gateway refused for a reason the ledger does not judge (its clock put the
   * signed request outside its window, the signature or TLS pin did not hold): recorded DENIED by
   * the consumer's gateway with the owner's code in the message (gateway-to-gateway exchange).
   */
  PROVIDER_REFUSED: 'PROVIDER_REFUSED',
  CORRUPT_STATE: 'CORRUPT_STATE',
} as const;
export type ErrorCode = Values<typeof ErrorCode>;

/**
 * The codes a use may be recorded DENIED with on the owner gateway's word (usage:RecordUse's
 * `ownerRefusal`): the grant as the owner's gateway read it, or PROVIDER_REFUSED for the rest.
 */
export const OWNER_REFUSALS = [
  ErrorCode.GRANT_NOT_FOUND,
  ErrorCode.GRANT_CATALOG_MISMATCH,
  ErrorCode.GRANT_NOT_HOLDER,
  ErrorCode.GRANT_REVOKED,
  ErrorCode.GRANT_NOT_YET_VALID,
  ErrorCode.GRANT_EXPIRED,
  ErrorCode.FIELDS_NOT_GRANTED,
  ErrorCode.PROVIDER_REFUSED,
] as const;
export type OwnerRefusalCode = (typeof OWNER_REFUSALS)[number];

/** Finds `[CODE] message` inside any wrapping text (Fabric prefixes its own words). */
export const ERROR_PATTERN = /\[([A-Z0-9_]+)\] (.*)/s;
