/**
 * Key layout: every entity kind with its primary key and the secondary indexes its list
 * queries use. Version numbers are zero-padded so composite-key order is numeric order.
 */
import {
  authorisation,
  catalogEntry,
  catalogUpdateRequirement,
  datasetVersion,
  delegation,
  department,
  departmentGateway,
  grant,
  qualityObjection,
  shareRequest,
  subjectBinding,
  usageRecord,
  userRoles,
  workingCalendar,
} from '../model/entities.js';
import { ErrorCode } from '../constants.js';
import type {
  Authorisation,
  CatalogEntry,
  CatalogUpdateRequirement,
  DatasetVersion,
  Delegation,
  Department,
  DepartmentGateway,
  Grant,
  QualityObjection,
  ShareRequest,
  SubjectBinding,
  UsageRecord,
  UserRoles,
  WorkingCalendar,
} from '../model/types.js';
import type { EntityKind } from './state.js';
import { AUTHORISATION_USES, GRANT_USES, withUses } from './uses.js';

/** The single ledger configuration record; a plain key, outside every composite-key range. */
export const CONFIG_KEY = 'config';

export function padVersion(version: number): string {
  return String(version).padStart(10, '0');
}

export const DEPARTMENTS: EntityKind<Department> = {
  type: 'department',
  label: 'department',
  check: department,
  notFound: ErrorCode.DEPARTMENT_NOT_FOUND,
  keyOf: (d) => [d.id],
  keyLength: 1,
  indexes: {},
};

/** The gateway directory: one entry per department, replaced on each publication (history kept). */
export const GATEWAYS: EntityKind<DepartmentGateway> = {
  type: 'gateway',
  label: 'gateway directory entry',
  check: departmentGateway,
  notFound: ErrorCode.GATEWAY_NOT_FOUND,
  keyOf: (g) => [g.department],
  keyLength: 1,
  indexes: {},
};

export const USER_ROLES: EntityKind<UserRoles> = {
  type: 'roles',
  label: 'role assignment',
  check: userRoles,
  // Only ever read with find(): a user without an assignment simply holds no registry roles.
  notFound: ErrorCode.FORBIDDEN_ROLE,
  keyOf: (r) => [r.department, r.user],
  keyLength: 2,
  indexes: {},
};

export const CALENDARS: EntityKind<WorkingCalendar> = {
  type: 'calendar',
  label: 'calendar',
  check: workingCalendar,
  notFound: ErrorCode.CALENDAR_NOT_FOUND,
  keyOf: (c) => [String(c.year)],
  keyLength: 1,
  indexes: {},
};

export const CATALOG: EntityKind<CatalogEntry> = {
  type: 'catalog',
  label: 'catalog entry',
  check: catalogEntry,
  notFound: ErrorCode.CATALOG_NOT_FOUND,
  keyOf: (e) => [e.id],
  keyLength: 1,
  indexes: { owner: (e) => [e.owner] },
};

/** Each catalog version's full text, kept beside key history so any version is one read. */
export const CATALOG_VERSIONS: EntityKind<CatalogEntry> = {
  type: 'catalogVersion',
  label: 'catalog entry version',
  check: catalogEntry,
  notFound: ErrorCode.CATALOG_NOT_FOUND,
  keyOf: (e) => [e.id, padVersion(e.version)],
  keyLength: 2,
  indexes: {},
};

/**
 * Kept apart from the entry on purpose: the entry key accepts only its owner's endorsement, and
 * the owner must not be able to keep the coordinator's demand off the ledger by withholding it.
 */
export const CATALOG_UPDATES: EntityKind<CatalogUpdateRequirement> = {
  type: 'catalogUpdate',
  label: 'catalog update requirement',
  check: catalogUpdateRequirement,
  notFound: ErrorCode.UPDATE_REQUIREMENT_NOT_FOUND,
  keyOf: (r) => [r.catalogId],
  keyLength: 1,
  indexes: { owner: (r) => [r.owner], status: (r) => [r.status] },
};

export const DATASET_VERSIONS: EntityKind<DatasetVersion> = {
  type: 'dataset',
  label: 'dataset version',
  check: datasetVersion,
  notFound: ErrorCode.DATASET_VERSION_NOT_FOUND,
  keyOf: (v) => [v.catalogId, padVersion(v.version)],
  keyLength: 2,
  indexes: { digest: (v) => [v.digest.algorithm, v.digest.value] },
};

export const REQUESTS: EntityKind<ShareRequest> = {
  type: 'request',
  label: 'share request',
  check: shareRequest,
  notFound: ErrorCode.REQUEST_NOT_FOUND,
  keyOf: (r) => [r.id],
  keyLength: 1,
  indexes: {
    requester: (r) => [r.requester.department],
    provider: (r) => [r.provider],
    status: (r) => [r.status],
    catalog: (r) => [r.catalogId],
  },
};

export const GRANTS: EntityKind<Grant> = {
  type: 'grant',
  label: 'grant',
  check: grant,
  notFound: ErrorCode.GRANT_NOT_FOUND,
  keyOf: (g) => [g.id],
  keyLength: 1,
  indexes: {
    // consumer then catalog: one prefix lists a consumer's grants, two find its grants on one entry
    consumer: (g) => [g.consumer, g.catalogId],
    provider: (g) => [g.provider],
    catalog: (g) => [g.catalogId],
  },
  present: (ctx, g) => withUses(ctx, GRANT_USES, g),
};

export const USES: EntityKind<UsageRecord> = {
  type: 'usage',
  label: 'usage record',
  check: usageRecord,
  notFound: ErrorCode.USAGE_NOT_FOUND,
  keyOf: (u) => [u.id],
  keyLength: 1,
  indexes: {
    consumer: (u) => [u.consumer.department],
    provider: (u) => [u.provider],
    catalog: (u) => [u.catalogId],
    grant: (u) => [u.grantId ?? '-'],
    // A subject's trail and a supervisor's audit of one authorisation; '-' when none is named.
    subject: (u) => [u.subject ?? '-'],
    authorisation: (u) => [u.authorisationId ?? '-'],
  },
};

/** One record per subject (pseudonym); replacing the key writes a new version of it. */
export const SUBJECTS: EntityKind<SubjectBinding> = {
  type: 'subject',
  label: 'subject binding',
  check: subjectBinding,
  notFound: ErrorCode.SUBJECT_NOT_BOUND,
  keyOf: (b) => [b.subject],
  keyLength: 1,
  indexes: {},
};

export const AUTHORISATIONS: EntityKind<Authorisation> = {
  type: 'authorisation',
  label: 'authorisation',
  check: authorisation,
  notFound: ErrorCode.AUTHORISATION_NOT_FOUND,
  keyOf: (a) => [a.id],
  keyLength: 1,
  indexes: {
    subject: (a) => [a.subject],
    consumer: (a) => [a.terms.consumer],
  },
  present: (ctx, a) => withUses(ctx, AUTHORISATION_USES, a),
};

/** An enterprise's delegations to its agents (经办人); revoking one writes a new version. */
export const DELEGATIONS: EntityKind<Delegation> = {
  type: 'delegation',
  label: 'delegation',
  check: delegation,
  notFound: ErrorCode.DELEGATION_NOT_FOUND,
  keyOf: (d) => [d.id],
  keyLength: 1,
  indexes: { subject: (d) => [d.subject] },
};

export const OBJECTIONS: EntityKind<QualityObjection> = {
  type: 'objection',
  label: 'quality objection',
  check: qualityObjection,
  notFound: ErrorCode.OBJECTION_NOT_FOUND,
  keyOf: (o) => [o.id],
  keyLength: 1,
  indexes: {
    catalog: (o) => [o.catalogId],
    provider: (o) => [o.provider],
    raiser: (o) => [o.raisedBy.department],
    status: (o) => [o.status],
  },
};
