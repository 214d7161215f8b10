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
  DATASET_FORMATS,
  DELEGATED_ACTS,
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
  SUBJECT_KINDS,
  SUBJECT_STATEMENTS,
  UPDATE_FREQUENCIES,
  USAGE_ACTIONS,
  USAGE_OUTCOMES,
  storedFormatOf,
  type DatasetFormat,
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
  Authorisation,
  AuthorisationTerms,
  CatalogEntry,
  CatalogField,
  CatalogUpdateRequirement,
  DatasetVersion,
  Deadlines,
  DeadlineTerms,
  Delegation,
  DelegationRevocationTerms,
  DelegationTerms,
  Department,
  DepartmentGateway,
  Digest,
  Grant,
  LedgerConfig,
  Period,
  QualityObjection,
  RevocationTerms,
  ShareRequest,
  Signed,
  SubjectBinding,
  TrailTerms,
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

export const subjectKind = oneOf(SUBJECT_KINDS);

/** What the coordinator writes about a department. */
export const departmentProfile = {
  nameZh: shortText,
  nameEn: shortText,
  level: oneOf(DEPARTMENT_LEVELS),
  parent: nullable(departmentId),
  // Absent from departments registered before data subjects existed: they verify no one.
  verifies: withDefault(arrayOf(subjectKind, { unique: true, max: SUBJECT_KINDS.length }), []),
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

/** An https URL without spaces; the gateway resolves paths against it. */
export const gatewayUrl = str({
  max: 2048,
  pattern: /^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
  describe: 'an https:// URL without query or fragment',
});

/** One PEM certificate (a chain would make pinning ambiguous). */
export const pemCertificate = str({
  max: 16384,
  pattern: /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/,
  describe: 'one PEM certificate',
});

export const departmentGateway: Check<DepartmentGateway> = object({
  department: departmentId,
  url: gatewayUrl,
  tlsCertificate: pemCertificate,
  publishedAt: isoInstant,
  publishedBy: actor,
});

export const registryRoles = arrayOf(oneOf(REGISTRY_ROLES), {
  unique: true,
  max: REGISTRY_ROLES.length,
});

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
  consent: optional(subjectKind),
});

export const catalogFields = arrayOf(catalogField, { min: 1, max: 500 });

/** An entry's format as stored: free text written before formats were media types reads as the one it named. */
const storedFormat: Check<DatasetFormat> = (value, path) => storedFormatOf(shortText(value, path));

/** The metadata a department writes; the rest of CatalogEntry is set by the chaincode. */
export const catalogMetadata = {
  name: shortText,
  classification: oneOf(CATALOG_CLASSIFICATIONS),
  abstract: text,
  // Declared now: a media type by its canonical name (constants.ts DATASET_FORMATS).
  format: oneOf(DATASET_FORMATS),
  fields: catalogFields,
  // Absent from entries written before consent fields existed.
  subjectField: withDefault(nullable(fieldName), null),
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

/**
 * Consent fields name their subject's identifier column: `subjectField` is a field of the entry,
 * set exactly when some field needs consent, and every consent field is of one kind of subject
 * (the column holds one kind of identifier).
 */
export function withConsentRule<T extends Pick<CatalogEntry, 'fields' | 'subjectField'>>(
  check: Check<T>,
): Check<T> {
  return refine(
    check,
    'subjectField',
    ({ fields, subjectField }) => {
      const kinds = new Set(fields.flatMap((f) => (f.consent ? [f.consent] : [])));
      if (kinds.size === 0) return subjectField === null;
      return kinds.size === 1 && fields.some((f) => f.name === subjectField);
    },
    'must name the field holding the subject identifier exactly when fields need consent, and those fields must all be of one kind of subject',
  );
}

export const catalogEntry: Check<CatalogEntry> = withConsentRule(
  object({
    ...catalogMetadata,
    format: storedFormat,
    id: identifier,
    owner: departmentId,
    version: versionNumber,
    status: oneOf(CATALOG_STATUSES),
    changeReason: nullable(reason),
    createdAt: isoInstant,
    createdBy: actor,
    updatedAt: isoInstant,
    updatedBy: actor,
  }),
);

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
  // Absent from records written before data subjects existed.
  subject: withDefault(nullable(hex64), null),
  authorisationId: withDefault(nullable(identifier), null),
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

/** A base64 string (standard alphabet, padded), as WebCrypto exports are encoded. */
export const base64 = (max: number) =>
  str({
    max,
    pattern: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
    describe: 'standard base64',
  });
/** A P-256 SPKI is 91 bytes (124 base64 characters); room for other encodings of the same key. */
export const publicKeyText = base64(256);
/** A P1363 P-256 signature is 64 bytes (88 base64 characters). */
export const signatureText = base64(128);

export const subjectBinding: Check<SubjectBinding> = object({
  subject: hex64,
  kind: subjectKind,
  publicKey: publicKeyText,
  keyId: hex64,
  version: versionNumber,
  reason: nullable(reason),
  boundAt: isoInstant,
  boundBy: actor,
});

export const authorisedEntries = arrayOf(
  object({
    catalogId: identifier,
    fields: arrayOf(fieldName, { min: 1, unique: true, max: 500 }),
  }),
  { min: 1, max: 50 },
);

/** Makes two otherwise identical signed statements distinct. */
const nonce = str({
  min: 8,
  max: 64,
  pattern: /^[A-Za-z0-9_-]+$/,
  describe: 'letters, digits, _ and -',
});

/** The one statement each kind of signed payload may carry. */
const statement = <S extends string>(value: S): Check<S> => oneOf([value] as const);

export const authorisationTerms: Check<AuthorisationTerms> = refine(
  refine(
    object({
      statement: statement(SUBJECT_STATEMENTS.authorise),
      subject: hex64,
      consumer: departmentId,
      entries: authorisedEntries,
      purpose: oneOf(PURPOSES),
      matter: shortText,
      validFrom: isoInstant,
      validTo: isoInstant,
      maxUses: int(1, 1000),
      nonce,
      delegationId: optional(identifier),
    }),
    'entries',
    (t) => new Set(t.entries.map((e) => e.catalogId)).size === t.entries.length,
    'must name each catalog entry once',
  ),
  'validTo',
  (t) => Date.parse(t.validTo) > Date.parse(t.validFrom),
  'must be after validFrom',
);

export const revocationTerms: Check<RevocationTerms> = object({
  statement: statement(SUBJECT_STATEMENTS.revoke),
  subject: hex64,
  authorisationId: identifier,
  at: isoInstant,
  delegationId: optional(identifier),
});

export const trailTerms: Check<TrailTerms> = object({
  statement: statement(SUBJECT_STATEMENTS.trail),
  subject: hex64,
  at: isoInstant,
  delegationId: optional(identifier),
});

export function signed<T>(payload: Check<T>): Check<Signed<T>> {
  return object({ payload, signature: signatureText });
}

export const authorisation: Check<Authorisation> = object({
  id: identifier,
  subject: hex64,
  kind: subjectKind,
  terms: authorisationTerms,
  signature: signatureText,
  bindingVersion: versionNumber,
  keyId: hex64,
  providers: arrayOf(departmentId, { min: 1, unique: true, max: 50 }),
  useCount: count,
  submittedAt: isoInstant,
  submittedBy: actor,
  revocation: nullable(
    object({ at: isoInstant, statement: signed(revocationTerms), submittedBy: actor }),
  ),
});

export const delegationTerms: Check<DelegationTerms> = refine(
  object({
    statement: statement(SUBJECT_STATEMENTS.delegate),
    subject: hex64,
    agentKey: publicKeyText,
    scope: object({
      acts: arrayOf(oneOf(DELEGATED_ACTS), { min: 1, unique: true, max: DELEGATED_ACTS.length }),
      catalogIds: nullable(arrayOf(identifier, { min: 1, unique: true, max: 50 })),
    }),
    validFrom: isoInstant,
    validTo: isoInstant,
    nonce,
  }),
  'validTo',
  (t) => Date.parse(t.validTo) > Date.parse(t.validFrom),
  'must be after validFrom',
);

export const delegationRevocationTerms: Check<DelegationRevocationTerms> = object({
  statement: statement(SUBJECT_STATEMENTS.undelegate),
  subject: hex64,
  delegationId: identifier,
  at: isoInstant,
});

export const delegation: Check<Delegation> = object({
  id: identifier,
  subject: hex64,
  terms: delegationTerms,
  signature: signatureText,
  bindingVersion: versionNumber,
  keyId: hex64,
  agentKeyId: hex64,
  submittedAt: isoInstant,
  submittedBy: actor,
  revocation: nullable(
    object({ at: isoInstant, statement: signed(delegationRevocationTerms), submittedBy: actor }),
  ),
});
