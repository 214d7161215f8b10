/**
 * Ledger entity shapes as stored and returned (canonical JSON). Dependency-free so the gateway
 * and the browser can type ledger payloads. Instants are ISO 8601 UTC strings taken from the
 * transaction timestamp; calendar dates are `YYYY-MM-DD` in China Standard Time.
 */
import type {
  CatalogClassification,
  CatalogStatus,
  CatalogUpdateStatus,
  DatasetFormat,
  DelegatedAct,
  DepartmentLevel,
  DepartmentStatus,
  DigestAlgorithm,
  ErrorCode,
  FieldType,
  ObjectionStatus,
  Openness,
  Purpose,
  RegistryRole,
  RequestStatus,
  Role,
  Sensitivity,
  ShareMethod,
  ShareType,
  SubjectKind,
  SUBJECT_STATEMENTS,
  UpdateFrequency,
  UsageAction,
  UsageOutcome,
} from '../constants.js';

/** Who did something: a department (MSP id) and a user (certificate CN). */
export interface Actor {
  department: string;
  user: string;
}

export interface Deadlines {
  requestWorkingDays: number;
  objectionWorkingDays: number;
  catalogUpdateWorkingDays: number;
  emergencyHours: number;
}

export interface LedgerConfig {
  coordinator: string;
  deadlines: Deadlines;
  initializedAt: string;
  initializedBy: Actor;
}

export interface Department {
  id: string;
  nameZh: string;
  nameEn: string;
  level: DepartmentLevel;
  parent: string | null;
  /** The kinds of data subject whose identity this department verifies and may bind keys for. */
  verifies: SubjectKind[];
  status: DepartmentStatus;
  registeredAt: string;
  registeredBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
}

/**
 * A department's entry in the gateway directory: where its own gateway answers other
 * departments' gateways, and the TLS certificate they pin when they connect. Published by the
 * department's admin; every change is kept in the entry's history.
 */
export interface DepartmentGateway {
  department: string;
  /** https URL of the gateway's exchange endpoint base, e.g. https://gw.psb.example:8443 */
  url: string;
  /** PEM of the gateway's TLS certificate (or of the CA that issued it). */
  tlsCertificate: string;
  publishedAt: string;
  publishedBy: Actor;
}

export interface UserRoles {
  department: string;
  user: string;
  roles: RegistryRole[];
  updatedAt: string;
  updatedBy: Actor;
}

/** What the chaincode concluded about the caller; returned by governance:WhoAmI. */
export interface CallerInfo extends Actor {
  roles: Role[];
  isCoordinator: boolean;
  departmentRegistered: boolean;
}

export interface WorkingCalendar {
  year: number;
  /** Public holidays that fall on otherwise working days (and any others the notice lists). */
  holidays: string[];
  /** Weekend days declared working days (调休). */
  workdays: string[];
  updatedAt: string;
  updatedBy: Actor;
}

export interface CatalogField {
  name: string;
  nameZh?: string;
  type: FieldType;
  sensitivity: Sensitivity;
  description?: string;
  /**
   * 个人敏感 / 企业敏感: using this field for a subject's records needs that subject's signed
   * authorisation as well as the department grant. Absent: the grant suffices.
   */
  consent?: SubjectKind;
}

export interface CatalogEntry {
  /** The resource code (资源代码), unique on the ledger. */
  id: string;
  name: string;
  classification: CatalogClassification;
  abstract: string;
  /** A media type (constants.ts DATASET_FORMATS); versions anchored under the entry are of it. */
  format: DatasetFormat;
  fields: CatalogField[];
  /**
   * The field holding the data subject's identifier (身份证号 / 统一社会信用代码) in each record;
   * required when a field needs consent. Its values never reach the ledger: gateways pseudonymise
   * them.
   */
  subjectField: string | null;
  shareType: ShareType;
  /** Required for conditional entries. */
  shareConditions: string | null;
  /** Required for not_shared entries: the law, regulation or policy that forbids sharing. */
  legalBasis: string | null;
  shareMethods: ShareMethod[];
  openness: Openness;
  updateFrequency: UpdateFrequency;
  publishDate: string;
  relatedResources: string[];
  sourceSystem: string | null;
  scenarios: string[];
  owner: string;
  version: number;
  status: CatalogStatus;
  /** Why this version exists (empty for the first). */
  changeReason: string | null;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
}

/**
 * The coordinator's demand that an entry be brought up to date because duties or laws changed
 * (within catalogUpdateWorkingDays). One per entry at a time, keyed by the entry; the key's
 * history keeps the earlier ones.
 */
export interface CatalogUpdateRequirement extends DeadlineTerms {
  catalogId: string;
  owner: string;
  reason: string;
  status: CatalogUpdateStatus;
  requiredAt: string;
  requiredBy: Actor;
  /** The entry version that answered it (an update or the retirement); null while open. */
  answer: { version: number; at: string; by: Actor } | null;
}

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  value: string;
}

export interface DatasetVersion {
  /** `${catalogId}@${version}` */
  id: string;
  catalogId: string;
  version: number;
  owner: string;
  digest: Digest;
  chunkRoot: string;
  chunkSize: number;
  size: number;
  mediaType: string;
  recordRoot: string | null;
  recordCount: number | null;
  previousVersion: number | null;
  reason: string | null;
  anchoredAt: string;
  anchoredBy: Actor;
}

export interface Period {
  /** First CST day of use, inclusive. */
  from: string;
  /** Last CST day of use, inclusive. */
  to: string;
}

export interface Decision {
  by: Actor;
  at: string;
  reason: string | null;
}

/**
 * When an answer is due. A working-day deadline counted through a year whose calendar the
 * coordinator had not yet published is provisional: those years' weekdays all counted, so the
 * real deadline may be later once their holidays are known. A stored deadline never moves.
 */
export interface DeadlineTerms {
  deadline: string;
  deadlineProvisional: boolean;
  /** The years counted Monday to Friday for want of a calendar, ascending; empty if none. */
  deadlineUnpublishedYears: number[];
}

/** The coordinator's answer is due by `deadline`. */
export interface Escalation extends DeadlineTerms {
  by: Actor;
  at: string;
  reason: string;
}

/** The provider's answer is due by `deadline`. */
export interface ShareRequest extends DeadlineTerms {
  id: string;
  catalogId: string;
  provider: string;
  requester: Actor;
  fields: string[];
  purpose: Purpose;
  scenario: string;
  period: Period;
  emergency: boolean;
  status: RequestStatus;
  createdAt: string;
  escalation: Escalation | null;
  decision: Decision | null;
  grantId: string | null;
  /** True when the entry is unconditional and the grant was issued without review. */
  automatic: boolean;
}

export interface Revocation {
  by: Actor;
  at: string;
  reason: string;
}

export interface Grant {
  id: string;
  requestId: string;
  catalogId: string;
  provider: string;
  consumer: string;
  fields: string[];
  purpose: Purpose;
  validFrom: string;
  validTo: string;
  useLimit: number | null;
  useCount: number;
  automatic: boolean;
  grantedAt: string;
  grantedBy: Actor;
  revocation: Revocation | null;
}

export interface UsageRecord {
  id: string;
  grantId: string | null;
  catalogId: string;
  provider: string;
  consumer: Actor;
  datasetVersion: number | null;
  action: UsageAction;
  /** The record a `prove` use disclosed (its index in the version's record tree). */
  recordIndex: number | null;
  /** The fields delivered: as asked, else the grant's (all of them for the owner). */
  fields: string[];
  /** Bytes actually delivered (0 when refused). */
  bytes: number | null;
  deliveredDigest: Digest | null;
  purpose: Purpose | null;
  outcome: UsageOutcome;
  /** Why the use was refused; null when allowed. */
  denialCode: ErrorCode | null;
  denialMessage: string | null;
  /** The data subject (pseudonym) whose records the use is about, if it names one. */
  subject: string | null;
  /** The subject's authorisation the use was judged against (counted when ALLOWED). */
  authorisationId: string | null;
  at: string;
}

export interface ObjectionResolutionRecord {
  resolution: 'corrected' | 'rejected';
  by: Actor;
  at: string;
  /** The anchored dataset version that corrects the data (corrected only). */
  correctedVersion: number | null;
  reason: string | null;
}

export interface QualityObjection extends DeadlineTerms {
  id: string;
  catalogId: string;
  version: number;
  provider: string;
  raisedBy: Actor;
  description: string;
  recordRefs: string[];
  fields: string[];
  status: ObjectionStatus;
  raisedAt: string;
  resolution: ObjectionResolutionRecord | null;
}

/**
 * What every share-request transaction returns and emits: the request, and the grant when the
 * transaction created one (approval, or the automatic grant of an unconditional entry).
 */
export interface RequestDecisionResult {
  request: ShareRequest;
  grant: Grant | null;
}

/** Answer of usage:CheckUse, the read-only twin of RecordUse. */
export interface UseCheck {
  allowed: boolean;
  grantId: string | null;
  authorisationId: string | null;
  /** The fields the use would deliver. */
  fields: string[];
  denialCode: ErrorCode | null;
  denialMessage: string | null;
}

export interface Page<T> {
  items: T[];
  bookmark: string;
  count: number;
}

export interface HistoryItem<T> {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: T | null;
}

/**
 * A data subject's public key on the ledger. `subject` is a pseudonym: a keyed hash (HMAC-SHA256)
 * of the 身份证号 or 统一社会信用代码 computed by the gateways with a key the ledger never sees, so a
 * copy of the ledger cannot be searched by ID number. Replacing the key (a lost phone) writes a
 * new version of the same record; the key history keeps every earlier binding.
 */
export interface SubjectBinding {
  subject: string;
  kind: SubjectKind;
  /** P-256 public key, SubjectPublicKeyInfo DER in base64 (WebCrypto's `spki` export). */
  publicKey: string;
  /** SHA-256 of the SPKI DER, hex: names the key in authorisations and messages. */
  keyId: string;
  version: number;
  /** Why the key was replaced; null for the first binding. */
  reason: string | null;
  boundAt: string;
  /** The verifying department and its clerk. */
  boundBy: Actor;
}

/** One catalog entry and the fields of it a subject authorises. */
export interface AuthorisedEntry {
  catalogId: string;
  fields: string[];
}

/**
 * What a subject signs to authorise a use (the canonical JSON of this object, ECDSA P-256 with
 * SHA-256, IEEE P1363 signature as WebCrypto produces).
 */
export interface AuthorisationTerms {
  statement: (typeof SUBJECT_STATEMENTS)['authorise'];
  subject: string;
  /** The consumer department allowed to use the data. */
  consumer: string;
  entries: AuthorisedEntry[];
  purpose: Purpose;
  /** The matter it is for, e.g. 出生医学证明核验 for a 户口登记 case. */
  matter: string;
  validFrom: string;
  validTo: string;
  /** 1 = one use. */
  maxUses: number;
  /** Makes two otherwise identical authorisations distinct. */
  nonce: string;
  /**
   * Present when an enterprise's agent (经办人) signs under this delegation, the signature then
   * being the agent's; absent when the subject (an enterprise's legal representative) signs.
   */
  delegationId?: string;
}

/** What a subject signs to revoke one of their authorisations. */
export interface RevocationTerms {
  statement: (typeof SUBJECT_STATEMENTS)['revoke'];
  subject: string;
  authorisationId: string;
  /** When the subject signed it (their clock; the ledger records its own time too). */
  at: string;
  /** As in AuthorisationTerms: the delegation an agent signs under. */
  delegationId?: string;
}

/** What a subject signs to read their own trail: fresh within TRAIL_STATEMENT_SKEW_MS. */
export interface TrailTerms {
  statement: (typeof SUBJECT_STATEMENTS)['trail'];
  subject: string;
  at: string;
  /** As in AuthorisationTerms: the delegation an agent signs under. */
  delegationId?: string;
}

/** A statement and the subject's signature over its canonical JSON (base64, P1363). */
export interface Signed<T> {
  payload: T;
  signature: string;
}

export interface AuthorisationRevocation {
  /** Ledger time of the revocation. */
  at: string;
  /** The signed revoke statement, kept so anyone can re-verify it. */
  statement: Signed<RevocationTerms>;
  submittedBy: Actor;
}

/**
 * A subject's signed authorisation as stored: the signed terms and signature (verifiable offline
 * against the binding version named), the departments that provide the entries, and the count
 * of uses made under it.
 */
export interface Authorisation {
  /** `AUTH-` + SHA-256 hex of the canonical terms: the same authorisation cannot be stored twice. */
  id: string;
  subject: string;
  kind: SubjectKind;
  terms: AuthorisationTerms;
  signature: string;
  /** The binding version and key that verified the signature. */
  bindingVersion: number;
  keyId: string;
  /** Owners of the entries, for who may read it. */
  providers: string[];
  useCount: number;
  submittedAt: string;
  /** The department gateway that carried it to the ledger (the signature is the authority). */
  submittedBy: Actor;
  revocation: AuthorisationRevocation | null;
}

/** What a delegation lets the agent sign for the enterprise. */
export interface DelegationScope {
  acts: DelegatedAct[];
  /** The catalog entries the agent may authorise uses of; null: any entry. */
  catalogIds: string[] | null;
}

/**
 * What an enterprise's legal representative (法定代表人) signs, with the enterprise's bound key,
 * to let an agent (经办人) sign for the enterprise within a scope and a period.
 */
export interface DelegationTerms {
  statement: (typeof SUBJECT_STATEMENTS)['delegate'];
  /** The enterprise (pseudonym). */
  subject: string;
  /** The agent's P-256 public key, SPKI DER in base64; the agent's own safe made it. */
  agentKey: string;
  scope: DelegationScope;
  validFrom: string;
  validTo: string;
  nonce: string;
}

/** What the legal representative signs to revoke a delegation. */
export interface DelegationRevocationTerms {
  statement: (typeof SUBJECT_STATEMENTS)['undelegate'];
  subject: string;
  delegationId: string;
  at: string;
}

/**
 * A delegation as stored: the signed terms (verifiable offline against the binding version
 * named), the agent's key id, and its revocation. Revoking it, or replacing the enterprise's
 * key, voids it and every authorisation the agent signed under it.
 */
export interface Delegation {
  /** `DLG-` + SHA-256 hex of the canonical terms. */
  id: string;
  subject: string;
  terms: DelegationTerms;
  signature: string;
  /** The enterprise's binding version and key (the legal representative's) that signed it. */
  bindingVersion: number;
  keyId: string;
  /** SHA-256 of the agent's SPKI DER, hex. */
  agentKeyId: string;
  submittedAt: string;
  submittedBy: Actor;
  revocation: {
    at: string;
    statement: Signed<DelegationRevocationTerms>;
    submittedBy: Actor;
  } | null;
}
