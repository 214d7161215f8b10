/**
 * Validators for every stored entity. The ledger is read through these (lib/state.ts), so a
 * value written by an older or foreign chaincode is reported as CORRUPT_STATE instead of
 * flowing on half-understood. Each is annotated with its type from types.ts, so the compiler
 * keeps validator and type in step.
 */
import {
  CATALOG_CLASSIFICATIONS,
  CATALOG_STATUSES,
  CATALOG_UPDATE_STATUSES,
  DEPARTMENT_LEVELS,
  DEPARTMENT_STATUSES,
  DIGEST_ALGORITHMS,
  ErrorCode,
  FIELD_TYPES,
  OBJECTION_RESOLUTIONS,
  OBJECTION_STATUSES,
  OPENNESS,
  PURPOSES,
  REGISTRY_ROLES,
  REQUEST_STATUSES,
  SENSITIVITY_LEVELS,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_FREQUENCIES,
  USAGE_ACTIONS,
  USAGE_OUTCOMES,
} from '../constants.js';
import {
  arrayOf,
  withDefault,
  bool,
  hex64,
  identifier,
  int,
  isoDate,
  isoInstant,
  nullable,
  object,
  oneOf,
  optional,
  refine,
  str,
  type Check,
} from './schema.js';
import type {
  Actor,
  CatalogEntry,
  CatalogField,
  CatalogUpdateRequirement,
  DatasetVersion,
  Deadlines,
  DeadlineTerms,
  Department,
  Digest,
  Grant,
  LedgerConfig,
  Period,
  QualityObjection,
  ShareRequest,
  UsageRecord,
  UserRoles,
  WorkingCalendar,
} from './types.js';

export const departmentId = str({
  max: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9.-]*$/,
  describe: 'an MSP id: letters, digits, . and -',
});
/** A certificate CN; '/' is excluded because Fabric's identity string uses it as separator. */
export const userId = str({ max: 128, pattern: /^[^/]+$/, describe: 'a user name without /' });
export const text = str({ max: 4096 });
export const shortText = str({ max: 256 });
export const fieldName = str({
  max: 128,
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  describe: 'an identifier (letters, digits, _; not starting with a digit)',
});
export const reason = str({ max: 2048 });
const count = int(0);
const versionNumber = int(1);

export const actor: Check<Actor> = object({ department: departmentId, user: userId });

export const deadlineRules = {
  requestWorkingDays: int(1, 60),
  objectionWorkingDays: int(1, 60),
  catalogUpdateWorkingDays: int(1, 120),
  emergencyHours: int(1, 72),
};
export const deadlines: Check<Deadlines> = object(deadlineRules);

export const ledgerConfig: Check<LedgerConfig> = object({
  coordinator: departmentId,
  deadlines,
  initializedAt: isoInstant,
  initializedBy: actor,
});

/** What the coordinator writes about a department. */
export const departmentProfile = {
  nameZh: shortText,
  nameEn: shortText,
  level: oneOf(DEPARTMENT_LEVELS),
  parent: nullable(departmentId),
};

export const department: Check<Department> = object({
  ...departmentProfile,
  id: departmentId,
  status: oneOf(DEPARTMENT_STATUSES),
  registeredAt: isoInstant,
  registeredBy: actor,
  updatedAt: isoInstant,
  updatedBy: actor,
});

export const registryRoles = arrayOf(oneOf(REGISTRY_ROLES), { unique: true, max: 3 });

export const userRoles: Check<UserRoles> = object({
  department: departmentId,
  user: userId,
  roles: registryRoles,
  updatedAt: isoInstant,
  updatedBy: actor,
});

export const calendarDates = arrayOf(isoDate, { unique: true, max: 366 });

export const workingCalendar: Check<WorkingCalendar> = object({
  year: int(2000, 2999),
  holidays: calendarDates,
  workdays: calendarDates,
  updatedAt: isoInstant,
  updatedBy: actor,
});

export const catalogField: Check<CatalogField> = object({
  name: fieldName,
  nameZh: optional(shortText),
  type: oneOf(FIELD_TYPES),
  sensitivity: oneOf(SENSITIVITY_LEVELS),
  description: optional(text),
});

export const catalogFields = arrayOf(catalogField, { min: 1, max: 500 });

/** The metadata a department writes; the rest of CatalogEntry is set by the chaincode. */
export const catalogMetadata = {
  name: shortText,
  classification: oneOf(CATALOG_CLASSIFICATIONS),
  abstract: text,
  format: shortText,
  fields: catalogFields,
  shareType: oneOf(SHARE_TYPES),
  shareConditions: nullable(text),
  legalBasis: nullable(text),
  shareMethods: arrayOf(oneOf(SHARE_METHODS), { min: 1, unique: true }),
  openness: oneOf(OPENNESS),
  updateFrequency: oneOf(UPDATE_FREQUENCIES),
  publishDate: isoDate,
  relatedResources: arrayOf(identifier, { unique: true, max: 100 }),
  sourceSystem: nullable(shortText),
  scenarios: arrayOf(text, { max: 100 }),
};

export const catalogEntry: Check<CatalogEntry> = object({
  ...catalogMetadata,
  id: identifier,
  owner: departmentId,
  version: versionNumber,
  status: oneOf(CATALOG_STATUSES),
  changeReason: nullable(reason),
  createdAt: isoInstant,
  createdBy: actor,
  updatedAt: isoInstant,
  updatedBy: actor,
});

/** Members of every entity that carries a deadline (see DeadlineTerms). */
export const deadlineTerms = {
  deadline: isoInstant,
  deadlineProvisional: bool,
  // At most this year and the next are ever counted (lib/deadlines.ts).
  deadlineUnpublishedYears: arrayOf(int(2000, 2999), { unique: true, max: 2 }),
};

/** Provisional exactly when some year went uncounted by its calendar; years in order. */
export function withDeadline<T extends DeadlineTerms>(check: Check<T>): Check<T> {
  return refine(
    check,
    'deadlineUnpublishedYears',
    ({ deadlineProvisional, deadlineUnpublishedYears: years }) =>
      deadlineProvisional === years.length > 0 &&
      String(years) === String([...years].sort((a, b) => a - b)),
    'must list, in ascending order, the years counted without a calendar, exactly when deadlineProvisional is true',
  );
}

export const catalogUpdateRequirement: Check<CatalogUpdateRequirement> = withDeadline(
  object({
    catalogId: identifier,
    owner: departmentId,
    reason,
    status: oneOf(CATALOG_UPDATE_STATUSES),
    requiredAt: isoInstant,
    requiredBy: actor,
    ...deadlineTerms,
    answer: nullable(object({ version: versionNumber, at: isoInstant, by: actor })),
  }),
);

export const digest: Check<Digest> = object({
  algorithm: oneOf(DIGEST_ALGORITHMS),
  value: hex64,
});

export const datasetVersion: Check<DatasetVersion> = object({
  id: str({ max: 160 }),
  catalogId: identifier,
  version: versionNumber,
  owner: departmentId,
  digest,
  chunkRoot: hex64,
  chunkSize: int(1),
  size: count,
  mediaType: shortText,
  recordRoot: nullable(hex64),
  recordCount: nullable(count),
  previousVersion: nullable(versionNumber),
  reason: nullable(reason),
  anchoredAt: isoInstant,
  anchoredBy: actor,
});

export const datasetHead = object({ catalogId: identifier, latest: versionNumber });

export const period: Check<Period> = object({ from: isoDate, to: isoDate });

const decision = object({ by: actor, at: isoInstant, reason: nullable(reason) });

export const shareRequest: Check<ShareRequest> = withDeadline(
  object({
    id: identifier,
    catalogId: identifier,
    provider: departmentId,
    requester: actor,
    fields: arrayOf(fieldName, { min: 1, unique: true, max: 500 }),
    purpose: oneOf(PURPOSES),
    scenario: text,
    period,
    emergency: bool,
    status: oneOf(REQUEST_STATUSES),
    createdAt: isoInstant,
    ...deadlineTerms,
    escalation: nullable(
      withDeadline(object({ by: actor, at: isoInstant, reason, ...deadlineTerms })),
    ),
    decision: nullable(decision),
    grantId: nullable(identifier),
    automatic: bool,
  }),
);

export const grant: Check<Grant> = object({
  id: identifier,
  requestId: identifier,
  catalogId: identifier,
  provider: departmentId,
  consumer: departmentId,
  fields: arrayOf(fieldName, { min: 1, unique: true, max: 500 }),
  purpose: oneOf(PURPOSES),
  validFrom: isoInstant,
  validTo: isoInstant,
  useLimit: nullable(int(1)),
  useCount: count,
  automatic: bool,
  grantedAt: isoInstant,
  grantedBy: actor,
  revocation: nullable(object({ by: actor, at: isoInstant, reason })),
});

const errorCodes = Object.values(ErrorCode);

export const usageRecord: Check<UsageRecord> = object({
  id: identifier,
  grantId: nullable(identifier),
  catalogId: identifier,
  provider: departmentId,
  consumer: actor,
  datasetVersion: nullable(versionNumber),
  action: oneOf(USAGE_ACTIONS),
  // Absent from records written before record proofs were uses.
  recordIndex: withDefault(nullable(count), null),
  fields: arrayOf(fieldName, { unique: true, max: 500 }),
  bytes: nullable(count),
  deliveredDigest: nullable(digest),
  purpose: nullable(oneOf(PURPOSES)),
  outcome: oneOf(USAGE_OUTCOMES),
  denialCode: nullable(oneOf(errorCodes)),
  denialMessage: nullable(text),
  at: isoInstant,
});

export const qualityObjection: Check<QualityObjection> = withDeadline(
  object({
    id: identifier,
    catalogId: identifier,
    version: versionNumber,
    provider: departmentId,
    raisedBy: actor,
    description: text,
    recordRefs: arrayOf(shortText, { min: 1, unique: true, max: 1000 }),
    fields: arrayOf(fieldName, { unique: true, max: 500 }),
    status: oneOf(OBJECTION_STATUSES),
    raisedAt: isoInstant,
    ...deadlineTerms,
    resolution: nullable(
      object({
        resolution: oneOf(OBJECTION_RESOLUTIONS),
        by: actor,
        at: isoInstant,
        correctedVersion: nullable(versionNumber),
        reason: nullable(reason),
      }),
    ),
  }),
);
