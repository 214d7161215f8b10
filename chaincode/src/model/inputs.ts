/**
 * Transaction inputs: each complex argument is one JSON string checked here before any rule
 * runs. Only what the caller may choose is accepted; who, when and ids come from the context.
 */
import {
  DEPARTMENT_STATUSES,
  ErrorCode,
  OBJECTION_RESOLUTIONS,
  OWNER_REFUSALS,
  PURPOSES,
  USAGE_ACTIONS,
} from '../constants.js';
import { ChaincodeError } from '../lib/errors.js';
import { parseJson } from '../lib/canonical.js';
import {
  calendarDates,
  catalogMetadata,
  deadlineRules,
  departmentId,
  departmentProfile,
  digest,
  fieldName,
  period,
  publicKeyText,
  reason,
  registryRoles,
  gatewayUrl,
  pemCertificate,
  authorisationTerms,
  delegationRevocationTerms,
  delegationTerms,
  revocationTerms,
  shortText,
  signed,
  subjectKind,
  text,
  trailTerms,
  withConsentRule,
} from './entities.js';
import {
  arrayOf,
  bool,
  hex64,
  identifier,
  int,
  isoDate,
  nullable,
  object,
  oneOf,
  optional,
  partialObject,
  SchemaError,
  str,
  withDefault,
  type Check,
} from './schema.js';

const requestedFields = arrayOf(fieldName, { min: 1, unique: true, max: 500 });

export const departmentInput = object({ id: departmentId, ...departmentProfile });

export const initLedgerInput = object({
  coordinator: departmentInput,
  deadlines: optional(partialObject(deadlineRules)),
});

export const departmentUpdateInput = partialObject({
  ...departmentProfile,
  status: oneOf(DEPARTMENT_STATUSES),
});

export const rolesInput = registryRoles;

/** What a department's admin publishes about its gateway (department and time come from the tx). */
export const gatewayInput = object({ url: gatewayUrl, tlsCertificate: pemCertificate });

export const calendarInput = object({ holidays: calendarDates, workdays: calendarDates });

export const catalogCreateInput = withConsentRule(object({ id: identifier, ...catalogMetadata }));

export const catalogUpdateInput = withConsentRule(
  object({ ...catalogMetadata, changeReason: reason }),
);

export const anchorInput = object({
  catalogId: identifier,
  digest,
  chunkRoot: hex64,
  chunkSize: int(1),
  size: int(0),
  mediaType: shortText,
  recordRoot: nullable(hex64),
  recordCount: nullable(int(0)),
  reason: nullable(reason),
});

export const requestInput = object({
  catalogId: identifier,
  fields: requestedFields,
  purpose: oneOf(PURPOSES),
  scenario: text,
  period,
  emergency: withDefault(bool, false),
});

/** The provider may narrow what was asked for, never widen it. */
export const approveInput = object({
  fields: optional(requestedFields),
  validTo: optional(isoDate),
  useLimit: nullable(int(1)),
  reason: nullable(reason),
});

export const useInput = object({
  grantId: nullable(identifier),
  catalogId: identifier,
  datasetVersion: nullable(int(1)),
  action: oneOf(USAGE_ACTIONS),
  /** Required for `prove`, absent otherwise. */
  recordIndex: withDefault(nullable(int(0)), null),
  /** null or absent: the grant's fields (every field for the owner). */
  fields: withDefault(nullable(arrayOf(fieldName, { unique: true, max: 500 })), null),
  bytes: nullable(int(0)),
  deliveredDigest: nullable(digest),
  purpose: nullable(oneOf(PURPOSES)),
  /** The data subject (pseudonym) whose records are used; required for consent fields. */
  subject: withDefault(nullable(hex64), null),
  /** The subject's authorisation covering the use; required for consent fields. */
  authorisationId: withDefault(nullable(identifier), null),
  /**
   * RecordUse only: the owner's gateway refused this use (gateway-to-gateway exchange) for a reason
   * the ledger's own check did not find. The use is recorded DENIED with this code, the message
   * saying it is the owner gateway's word; the ledger's own denial, if any, comes first. It can only
   * refuse the caller's own use, never allow one.
   */
  ownerRefusal: withDefault(
    nullable(object({ code: oneOf(OWNER_REFUSALS), message: reason })),
    null,
  ),
});

export const objectionInput = object({
  catalogId: identifier,
  version: int(1),
  description: text,
  recordRefs: arrayOf(shortText, { min: 1, unique: true, max: 1000 }),
  fields: withDefault(arrayOf(fieldName, { unique: true, max: 500 }), []),
});

export const resolveInput = object({
  resolution: oneOf(OBJECTION_RESOLUTIONS),
  correctedVersion: nullable(int(1)),
  reason: nullable(reason),
});

/** A verifying department binds (or replaces) a subject's key; no personal data, only the pseudonym. */
export const bindInput = object({
  subject: hex64,
  kind: subjectKind,
  publicKey: publicKeyText,
  /** Required when replacing a key (lost phone, new device). */
  reason: withDefault(nullable(reason), null),
});

export const authorisationInput = signed(authorisationTerms);
export const revocationInput = signed(revocationTerms);
export const trailInput = signed(trailTerms);
export const delegationInput = signed(delegationTerms);
export const delegationRevocationInput = signed(delegationRevocationTerms);

export const calendarYear = str({
  min: 4,
  max: 4,
  pattern: /^2\d{3}$/,
  describe: 'a year like 2026',
});

export const versionArg = str({
  max: 9,
  pattern: /^[1-9][0-9]*$/,
  describe: 'a version number (1, 2, ...)',
});

/** A decision that needs a reason says so with its own code, not a generic syntax error. */
export function requiredReason(value: string, argument: string): string {
  if (value.trim() === '') {
    throw new ChaincodeError(ErrorCode.REASON_REQUIRED, `${argument} is required`);
  }
  return checkArg(reason, value, argument);
}

/** Parses a JSON argument and checks it; every failure is INVALID_ARGUMENT naming the field. */
export function parseInput<T>(check: Check<T>, json: string, argument: string): T {
  let value: unknown;
  try {
    value = parseJson(json);
  } catch {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `${argument} is not valid JSON`);
  }
  // Members of an object argument are named on their own (`fields[2].sensitivity`); anything
  // else is named after the argument (`roles[1]`).
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  return checkInput(check, value, isObject ? '' : argument);
}

/** Checks a plain string argument (an id, a year) the same way. */
export function checkArg<T>(check: Check<T>, value: string, argument: string): T {
  return checkInput(check, value, argument);
}

function checkInput<T>(check: Check<T>, value: unknown, path: string): T {
  try {
    return check(value, path);
  } catch (error) {
    if (error instanceof SchemaError) {
      throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, error.message);
    }
    throw error;
  }
}
