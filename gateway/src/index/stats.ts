/**
 * A department's statistics (the supervision figures of the stats page), computed from the
 * index's lists of what the department provides. Pure: the caller reads the lists.
 */
import {
  isOverdue,
  type CatalogEntry,
  type CatalogUpdateRequirement,
  type QualityObjection,
  type ShareRequest,
} from '@shulian/chaincode/constants';

export interface DepartmentStats {
  department: string;
  catalogEntries: number;
  notShared: number;
  datasetVersions: number;
  requestsReceived: number;
  answered: number;
  approved: number;
  rejected: number;
  meanResponseHours: number | null;
  maxResponseHours: number | null;
  answeredLate: number;
  overdueRequests: number;
  objectionsReceived: number;
  overdueObjections: number;
  /** Catalog update requirements still open past their deadline. */
  overdueCatalogUpdates: number;
  /** approved / answered (按需共享率); null before any answer. */
  shareRate: number | null;
  /** Dataset versions without an upheld objection / dataset versions; null without versions. */
  qualityRate: number | null;
  usesAllowed: number;
  usesDenied: number;
}

/** What the index holds about one provider department. */
export interface ProviderRecords {
  catalog: CatalogEntry[];
  updates: CatalogUpdateRequirement[];
  requests: ShareRequest[];
  objections: QualityObjection[];
  versions: number;
  usesAllowed: number;
  usesDenied: number;
}

type Answered = ShareRequest & { decision: NonNullable<ShareRequest['decision']> };

/** Response times of answered requests, and how many were answered after their deadline. */
function responses(requests: ShareRequest[]) {
  const answered = requests.filter(
    (r): r is Answered =>
      r.decision !== null && (r.status === 'approved' || r.status === 'rejected'),
  );
  const hours = answered.map(
    (r) => (Date.parse(r.decision.at) - Date.parse(r.createdAt)) / 3_600_000,
  );
  return {
    answered: answered.length,
    approved: answered.filter((r) => r.status === 'approved').length,
    meanResponseHours: hours.length ? hours.reduce((a, b) => a + b, 0) / hours.length : null,
    maxResponseHours: hours.length ? Math.max(...hours) : null,
    answeredLate: answered.filter((r) => Date.parse(r.decision.at) > Date.parse(r.deadline)).length,
  };
}

export function departmentStats(
  department: string,
  now: number,
  records: ProviderRecords,
): DepartmentStats {
  const { catalog, updates, requests, objections, versions } = records;
  const answers = responses(requests);
  const upheld = new Set(
    objections.filter((o) => o.status !== 'rejected').map((o) => `${o.catalogId}@${o.version}`),
  );
  return {
    department,
    catalogEntries: catalog.length,
    notShared: catalog.filter((c) => c.shareType === 'not_shared').length,
    datasetVersions: versions,
    requestsReceived: requests.length,
    answered: answers.answered,
    approved: answers.approved,
    rejected: answers.answered - answers.approved,
    meanResponseHours: answers.meanResponseHours,
    maxResponseHours: answers.maxResponseHours,
    answeredLate: answers.answeredLate,
    overdueRequests: requests.filter((r) => isOverdue(r, now)).length,
    objectionsReceived: objections.length,
    overdueObjections: objections.filter((o) => isOverdue(o, now)).length,
    overdueCatalogUpdates: updates.filter((u) => isOverdue(u, now)).length,
    shareRate: answers.answered ? answers.approved / answers.answered : null,
    qualityRate: versions ? (versions - Math.min(upheld.size, versions)) / versions : null,
    usesAllowed: records.usesAllowed,
    usesDenied: records.usesDenied,
  };
}
