/**
 * TypeBox schemas shared by the route plugins: identifiers, enums from the chaincode's constants,
 * the ledger entities as the API returns them, pagination. Entities allow extra properties so a
 * field the chaincode adds reaches clients before the schema names it.
 */
import type * as chaincode from '@shulian/chaincode/constants';
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import {
  CATALOG_CLASSIFICATIONS,
  CATALOG_STATUSES,
  CATALOG_UPDATE_STATUSES,
  DEPARTMENT_LEVELS,
  DEPARTMENT_STATUSES,
  DATASET_FORMATS,
  DELEGATED_ACTS,
  DIGEST_ALGORITHMS,
  FIELD_TYPES,
  MAX_PAGE_SIZE,
  OBJECTION_STATUSES,
  OPENNESS,
  PURPOSES,
  REQUEST_STATUSES,
  SENSITIVITY_LEVELS,
  SHARE_METHODS,
  SHARE_TYPES,
  SUBJECT_KINDS,
  SUBJECT_STATEMENTS,
  UPDATE_FREQUENCIES,
  USAGE_ACTIONS,
  USAGE_OUTCOMES,
} from '@shulian/chaincode/constants';
import { ACT_NAMES, ACT_TARGETS, type AuditAct as AuditActType } from '../index/acts.js';
import * as examples from './examples.js';

export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v: T[number]) => Type.Literal(v)),
    options,
  );
}

/**
 * Identifiers: letters, digits and `._:-`, no `..`, at most 128 characters. Strict on purpose:
 * ids become ledger keys and store paths, so slashes, `@`, control characters and traversal are
 * refused at the edge with a 400 (the chaincode's identifier rule, without its `/`).
 */
export const ID_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
export const Id = (description?: string) =>
  Type.String({
    pattern: ID_PATTERN,
    minLength: 1,
    maxLength: 128,
    ...(description ? { description } : {}),
  });
/** A user name: an identity (certificate) name, which may be an e-mail-like `name@unit`. */
export const USER_NAME_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';
export const UserName = (description = 'user name') =>
  Type.String({
    pattern: USER_NAME_PATTERN,
    minLength: 1,
    maxLength: 128,
    description,
  });
/** Dataset version numbers: the chaincode keys them as at most 9 digits. */
export const MAX_VERSION = 999_999_999;
export const VersionNumber = (description = 'dataset version, from 1') =>
  Type.Integer({ minimum: 1, maximum: MAX_VERSION, description });
export const Hex64 = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'lower-case hex, 32 bytes',
});
/**
 * A real Gregorian day YYYY-MM-DD (months 01-12, days within the month, 29 February only in leap
 * years): what the chaincode accepts, so 0000-00-00 or 2025-02-30 are refused by the document too.
 */
export const DAY_PATTERN =
  '(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))' +
  '|(?:\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)';
/** A real day, optionally with a time of day and an offset (hours 00-23, offsets up to ±14:00). */
export const TimeParam = (description: string) =>
  Type.String({
    description,
    pattern:
      `^${DAY_PATTERN}(T(?:[01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,3})?)?` +
      '(Z|[+-](?:0\\d|1[0-4]):[0-5]\\d))?$',
  });

/** CST calendar day. */
export const Day = Type.String({
  pattern: `^${DAY_PATTERN}$`,
  description: 'YYYY-MM-DD (China Standard Time), a real calendar day',
});
export const Instant = Type.String({
  description: 'ISO 8601 UTC instant',
  examples: ['2026-03-02T02:00:00.000Z'],
});
/** A UTC instant written as JavaScript's toISOString writes it: what the chaincode accepts. */
export const UtcInstant = (description = 'ISO 8601 UTC instant, e.g. 2026-02-13T02:00:00.000Z') =>
  Type.String({
    description,
    pattern: `^${DAY_PATTERN}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d\\.\\d{3}Z$`,
  });
/** Characters the chaincode refuses in text: C0 controls other than tab, LF and CR, and DEL. */
const TEXT_CHAR = '[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]';
/**
 * Free text as the chaincode takes it: no control characters, and not blank (the chaincode
 * trims before its emptiness check; an optional text is left out or null, never "").
 */
export const Text = (maxLength: number, minLength = 1) =>
  Type.String({
    minLength,
    maxLength,
    pattern:
      minLength > 0
        ? `^${TEXT_CHAR}*[^\\s\\ufeff\\u0000-\\u001f\\u007f]${TEXT_CHAR}*$`
        : `^${TEXT_CHAR}*$`,
  });

export const Enums = {
  level: StringEnum(DEPARTMENT_LEVELS),
  departmentStatus: StringEnum(DEPARTMENT_STATUSES),
  shareType: StringEnum(SHARE_TYPES, {
    description: 'unconditional 无条件共享, conditional 有条件共享, not_shared 不予共享',
  }),
  classification: StringEnum(CATALOG_CLASSIFICATIONS),
  shareMethod: StringEnum(SHARE_METHODS),
  openness: StringEnum(OPENNESS),
  updateFrequency: StringEnum(UPDATE_FREQUENCIES),
  catalogStatus: StringEnum(CATALOG_STATUSES),
  catalogUpdateStatus: StringEnum(CATALOG_UPDATE_STATUSES),
  fieldType: StringEnum(FIELD_TYPES),
  sensitivity: StringEnum(SENSITIVITY_LEVELS),
  purpose: StringEnum(PURPOSES, { description: '行政依据 / 工作参考 / 数据校核 / 业务协同' }),
  requestStatus: StringEnum(REQUEST_STATUSES),
  usageAction: StringEnum(USAGE_ACTIONS),
  usageOutcome: StringEnum(USAGE_OUTCOMES),
  objectionStatus: StringEnum(OBJECTION_STATUSES),
  digestAlgorithm: StringEnum(DIGEST_ALGORITHMS),
  datasetFormat: StringEnum(DATASET_FORMATS, {
    description:
      'the media type of the entry’s data (JSON Lines: application/x-ndjson); versions must be of it',
  }),
  subjectKind: StringEnum(SUBJECT_KINDS, { description: 'person 个人 / enterprise 企业' }),
  act: StringEnum(ACT_NAMES, { description: 'the act, by the chaincode event that records it' }),
  actTarget: StringEnum(ACT_TARGETS),
};

/** Whether two types are the same (each assignable to the other). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** An entity as the API returns it, with the example the OpenAPI document shows of it. */
const entity = <P extends Parameters<typeof Type.Object>[0]>(
  properties: P,
  description: string,
  example: object,
) => Type.Object(properties, { additionalProperties: true, description, examples: [example] });

/**
 * Identity on an entity schema that must name every field of the chaincode's type T (the source
 * of each entity's shape) and allow every value the chaincode writes there: a field added or
 * changed in the chaincode fails to compile here until the API documents it, and then in the
 * console, whose types are these schemas' (web/api.ts). The schema may add derived fields
 * (`overdue`, optional) and be looser than T (fields records written before them lack).
 */
const covering =
  <T>() =>
  <S extends TSchema>(
    schema: S &
      (Exclude<keyof T, keyof Static<S>> extends never ? unknown : never) &
      (T extends Static<S> ? unknown : never),
  ): S =>
    schema;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Actor = Type.Object(
  { department: Type.String(), user: Type.String() },
  { examples: [examples.actor] },
);

export const Department = covering<chaincode.Department>()(
  entity(
    {
      id: Type.String(),
      nameZh: Type.String(),
      nameEn: Type.String(),
      level: Enums.level,
      parent: Nullable(Type.String()),
      verifies: Type.Array(Enums.subjectKind, {
        description:
          'kinds of data subject whose identity this department verifies (binds keys for)',
      }),
      status: Enums.departmentStatus,
      registeredAt: Instant,
      registeredBy: Actor,
      updatedAt: Instant,
      updatedBy: Actor,
    },
    'a department (MSP id) registered by the coordinator',
    examples.department,
  ),
);

export const DepartmentGateway = covering<chaincode.DepartmentGateway>()(
  entity(
    {
      department: Type.String({ description: 'the department (MSP id) the gateway is' }),
      url: Type.String({ description: 'https base URL other departments’ gateways call' }),
      tlsCertificate: Type.String({
        description: 'PEM of the gateway’s TLS certificate, which other gateways pin',
      }),
      publishedAt: Instant,
      publishedBy: Actor,
    },
    'a department’s entry in the gateway directory (部门网关目录), published by its admin',
    examples.departmentGateway,
  ),
);

export const CatalogFieldInput = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
    nameZh: Type.Optional(Text(128)),
    type: Enums.fieldType,
    sensitivity: Enums.sensitivity,
    description: Type.Optional(Text(1000)),
    // 个人敏感 / 企业敏感: using the field needs the data subject's authorisation too.
    consent: Type.Optional(Enums.subjectKind),
  },
  { additionalProperties: false },
);

export const CatalogEntry = covering<chaincode.CatalogEntry>()(
  entity(
    {
      id: Type.String(),
      name: Type.String(),
      classification: Enums.classification,
      abstract: Type.String(),
      format: Enums.datasetFormat,
      fields: Type.Array(
        Type.Object({
          name: Type.String(),
          nameZh: Type.Optional(Type.String()),
          type: Enums.fieldType,
          sensitivity: Enums.sensitivity,
          description: Type.Optional(Type.String()),
          consent: Type.Optional(Enums.subjectKind),
        }),
      ),
      subjectField: Nullable(
        Type.String({ description: 'the field holding the subject identifier' }),
      ),
      shareType: Enums.shareType,
      shareConditions: Nullable(Type.String()),
      legalBasis: Nullable(Type.String()),
      shareMethods: Type.Array(Enums.shareMethod),
      openness: Enums.openness,
      updateFrequency: Enums.updateFrequency,
      publishDate: Type.String(),
      relatedResources: Type.Array(Type.String()),
      sourceSystem: Nullable(Type.String()),
      scenarios: Type.Array(Type.String()),
      owner: Type.String(),
      version: Type.Integer(),
      status: Enums.catalogStatus,
      changeReason: Nullable(Type.String()),
      createdAt: Instant,
      createdBy: Actor,
      updatedAt: Instant,
      updatedBy: Actor,
    },
    'a data resource catalog entry (GB/T 21063.3 core metadata)',
    examples.catalogEntry,
  ),
);

export const Digest = Type.Object({ algorithm: Enums.digestAlgorithm, value: Type.String() });

export const DatasetVersion = covering<chaincode.DatasetVersion>()(
  entity(
    {
      id: Type.String(),
      catalogId: Type.String(),
      version: Type.Integer(),
      owner: Type.String(),
      digest: Digest,
      chunkRoot: Type.String(),
      chunkSize: Type.Integer(),
      size: Type.Integer(),
      mediaType: Type.String(),
      recordRoot: Nullable(Type.String()),
      recordCount: Nullable(Type.Integer()),
      previousVersion: Nullable(Type.Integer()),
      reason: Nullable(Type.String()),
      anchoredAt: Instant,
      anchoredBy: Actor,
    },
    'an anchored dataset version',
    examples.datasetVersion,
  ),
);

const Decision = Type.Object({ by: Actor, at: Instant, reason: Nullable(Type.String()) });

/** Deadlines counted where a year's calendar was not yet published are provisional. */
const DeadlineDoc = {
  deadlineProvisional: Type.Boolean({
    description: 'counted Monday to Friday for a year without a published calendar',
  }),
  deadlineUnpublishedYears: Type.Array(Type.Integer(), {
    description: 'the years counted so, ascending; empty when the deadline is not provisional',
  }),
};

export const CatalogUpdateRequirement = covering<chaincode.CatalogUpdateRequirement>()(
  entity(
    {
      catalogId: Type.String(),
      owner: Type.String(),
      reason: Type.String(),
      status: Enums.catalogUpdateStatus,
      requiredAt: Instant,
      requiredBy: Actor,
      deadline: Instant,
      ...DeadlineDoc,
      answer: Nullable(Type.Object({ version: Type.Integer(), at: Instant, by: Actor })),
      overdue: Type.Optional(Type.Boolean()),
    },
    "the coordinator's demand that an entry be updated within the working-day deadline",
    examples.catalogUpdateRequirement,
  ),
);

export const ShareRequest = covering<chaincode.ShareRequest>()(
  entity(
    {
      id: Type.String(),
      catalogId: Type.String(),
      provider: Type.String(),
      requester: Actor,
      fields: Type.Array(Type.String()),
      purpose: Enums.purpose,
      scenario: Type.String(),
      period: Type.Object({ from: Day, to: Day }),
      emergency: Type.Boolean(),
      status: Enums.requestStatus,
      createdAt: Instant,
      deadline: Instant,
      ...DeadlineDoc,
      escalation: Nullable(
        Type.Object({
          by: Actor,
          at: Instant,
          reason: Type.String(),
          deadline: Instant,
          ...DeadlineDoc,
        }),
      ),
      decision: Nullable(Decision),
      grantId: Nullable(Type.String()),
      automatic: Type.Boolean(),
      overdue: Type.Optional(
        Type.Boolean({ description: 'open and past its deadline at the time of the answer' }),
      ),
    },
    'a share request (共享申请)',
    examples.shareRequest,
  ),
);

export const Grant = covering<chaincode.Grant>()(
  entity(
    {
      id: Type.String(),
      requestId: Type.String(),
      catalogId: Type.String(),
      provider: Type.String(),
      consumer: Type.String(),
      fields: Type.Array(Type.String()),
      purpose: Enums.purpose,
      validFrom: Type.String(),
      validTo: Type.String(),
      useLimit: Nullable(Type.Integer()),
      useCount: Type.Integer(),
      automatic: Type.Boolean(),
      grantedAt: Instant,
      grantedBy: Actor,
      revocation: Nullable(Type.Object({ by: Actor, at: Instant, reason: Type.String() })),
    },
    'a grant (授权)',
    examples.grant,
  ),
);

export const UsageRecord = covering<chaincode.UsageRecord>()(
  entity(
    {
      id: Type.String(),
      grantId: Nullable(Type.String()),
      catalogId: Type.String(),
      provider: Type.String(),
      consumer: Actor,
      datasetVersion: Nullable(Type.Integer()),
      action: Enums.usageAction,
      recordIndex: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
      fields: Type.Array(Type.String()),
      bytes: Nullable(Type.Integer()),
      deliveredDigest: Nullable(Digest),
      purpose: Nullable(Enums.purpose),
      outcome: Enums.usageOutcome,
      denialCode: Nullable(Type.String()),
      denialMessage: Nullable(Type.String()),
      subject: Nullable(Type.String({ description: 'the data subject (pseudonym) the use named' })),
      authorisationId: Nullable(
        Type.String({ description: "the subject's authorisation the use was judged against" }),
      ),
      at: Instant,
      txId: Type.Optional(Type.String()),
    },
    'a recorded use, allowed or refused',
    examples.usageRecord,
  ),
);

export const AuditAct = covering<AuditActType>()(
  entity(
    {
      id: Type.String({ description: 'the transaction that recorded the act' }),
      at: Instant,
      act: Enums.act,
      actor: Actor,
      departments: Type.Array(Type.String(), {
        description: "every department the act concerns, the actor's included",
      }),
      target: Nullable(Type.Object({ type: Enums.actTarget, id: Type.String() })),
      catalogId: Nullable(Type.String()),
      outcome: Nullable(Enums.usageOutcome),
      code: Nullable(Type.String({ description: "a refused use's error code" })),
      reason: Nullable(Type.String()),
      fields: Type.Array(Type.String()),
      automatic: Type.Boolean({
        description: "done by a rule (an unconditional entry's automatic grant), not a decision",
      }),
      txId: Type.Optional(Type.String()),
      blockNumber: Type.Optional(Type.Integer()),
    },
    'an act on the ledger (全流程审计): who did what to which entity, when, and why',
    examples.auditAct,
  ),
);

export const QualityObjection = covering<chaincode.QualityObjection>()(
  entity(
    {
      id: Type.String(),
      catalogId: Type.String(),
      version: Type.Integer(),
      provider: Type.String(),
      raisedBy: Actor,
      description: Type.String(),
      recordRefs: Type.Array(Type.String()),
      fields: Type.Array(Type.String()),
      status: Enums.objectionStatus,
      raisedAt: Instant,
      deadline: Instant,
      ...DeadlineDoc,
      resolution: Nullable(
        Type.Object({
          resolution: StringEnum(['corrected', 'rejected'] as const),
          by: Actor,
          at: Instant,
          correctedVersion: Nullable(Type.Integer()),
          reason: Nullable(Type.String()),
        }),
      ),
      overdue: Type.Optional(Type.Boolean()),
    },
    'a data quality objection (数据异议)',
    examples.qualityObjection,
  ),
);

// ---- data subjects (个人 / 企业): keys, signed statements, authorisations, delegations ----------

/** Standard, padded base64, as the chaincode checks it. */
export const Base64 = (maxLength: number, description: string) =>
  Type.String({
    pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
    minLength: 4,
    maxLength,
    description,
  });
const PublicKey = (description = 'P-256 SubjectPublicKeyInfo (DER), base64') =>
  Base64(256, description);
const Signature = Base64(128, 'ECDSA P-256 / SHA-256 signature, IEEE P1363 (r‖s), base64');
const Nonce = Type.String({
  pattern: '^[A-Za-z0-9_-]{8,64}$',
  description: 'makes two otherwise identical statements distinct',
});
const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' });
const DelegationRef = Type.Optional(
  Id("the delegation an enterprise's agent (经办人) signs under; absent when the subject signs"),
);

export const SubjectBinding = covering<chaincode.SubjectBinding>()(
  entity(
    {
      subject: Hex64,
      kind: Enums.subjectKind,
      publicKey: PublicKey(
        "P-256 SubjectPublicKeyInfo (DER), base64: a person's own key, an enterprise's legal representative's",
      ),
      keyId: Hex64,
      version: Type.Integer(),
      reason: Nullable(Type.String()),
      boundAt: Instant,
      boundBy: Actor,
    },
    "a data subject's public key on the ledger",
    examples.subjectBinding,
  ),
);

/** The statements a subject (or an enterprise's agent) signs: the canonical JSON, keys sorted. */
export const AuthorisationTerms = covering<chaincode.AuthorisationTerms>()(
  Type.Object(
    {
      statement: Type.Literal(SUBJECT_STATEMENTS.authorise),
      subject: Hex64,
      consumer: Id('the consumer department'),
      entries: Type.Array(
        Type.Object(
          { catalogId: Id(), fields: Type.Array(FieldName, { minItems: 1, maxItems: 500 }) },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 50 },
      ),
      purpose: Enums.purpose,
      matter: Text(256, 1),
      validFrom: UtcInstant(),
      validTo: UtcInstant(),
      maxUses: Type.Integer({ minimum: 1, maximum: 1000, description: '1 = one use' }),
      nonce: Nonce,
      delegationId: DelegationRef,
    },
    {
      additionalProperties: false,
      description: 'what the subject signs (its canonical JSON, keys sorted)',
    },
  ),
);
export const RevocationTerms = covering<chaincode.RevocationTerms>()(
  Type.Object(
    {
      statement: Type.Literal(SUBJECT_STATEMENTS.revoke),
      subject: Hex64,
      authorisationId: Id(),
      at: UtcInstant(),
      delegationId: DelegationRef,
    },
    { additionalProperties: false },
  ),
);
export const TrailTerms = covering<chaincode.TrailTerms>()(
  Type.Object(
    {
      statement: Type.Literal(SUBJECT_STATEMENTS.trail),
      subject: Hex64,
      at: UtcInstant(),
      delegationId: DelegationRef,
    },
    { additionalProperties: false, description: 'signed within 5 minutes of the request' },
  ),
);
export const DelegationTerms = covering<chaincode.DelegationTerms>()(
  Type.Object(
    {
      statement: Type.Literal(SUBJECT_STATEMENTS.delegate),
      subject: Hex64,
      agentKey: PublicKey("the agent's (经办人) own P-256 key, SPKI (DER), base64"),
      scope: Type.Object(
        {
          acts: Type.Array(StringEnum(DELEGATED_ACTS), {
            minItems: 1,
            maxItems: DELEGATED_ACTS.length,
            uniqueItems: true,
            description: 'what the agent may sign: authorisations, their revocations, trail reads',
          }),
          catalogIds: Nullable(
            Type.Array(Id(), {
              minItems: 1,
              maxItems: 50,
              uniqueItems: true,
              description: 'the entries whose uses the agent may authorise; null: any',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      validFrom: UtcInstant(),
      validTo: UtcInstant(),
      nonce: Nonce,
    },
    {
      additionalProperties: false,
      description:
        "what an enterprise's legal representative (法定代表人) signs to delegate to an agent",
    },
  ),
);
export const DelegationRevocationTerms = covering<chaincode.DelegationRevocationTerms>()(
  Type.Object(
    {
      statement: Type.Literal(SUBJECT_STATEMENTS.undelegate),
      subject: Hex64,
      delegationId: Id(),
      at: UtcInstant(),
    },
    { additionalProperties: false },
  ),
);

/** A statement and its signature, as the ledger takes and keeps it. */
export const Signed = <T extends TSchema>(payload: T, example: object) =>
  Type.Object(
    { payload, signature: Signature },
    { additionalProperties: false, examples: [example] },
  );

const Revocation = <T extends TSchema>(statement: T) =>
  Nullable(
    Type.Object({
      at: Instant,
      statement: Type.Object({ payload: statement, signature: Type.String() }),
      submittedBy: Actor,
    }),
  );

export const Authorisation = covering<chaincode.Authorisation>()(
  entity(
    {
      id: Type.String(),
      subject: Hex64,
      kind: Enums.subjectKind,
      terms: AuthorisationTerms,
      signature: Type.String(),
      bindingVersion: Type.Integer(),
      keyId: Hex64,
      providers: Type.Array(Type.String()),
      useCount: Type.Integer(),
      submittedAt: Instant,
      submittedBy: Actor,
      revocation: Revocation(RevocationTerms),
    },
    "a data subject's signed authorisation",
    examples.authorisation,
  ),
);

export const Delegation = covering<chaincode.Delegation>()(
  entity(
    {
      id: Type.String(),
      subject: Hex64,
      terms: DelegationTerms,
      signature: Type.String(),
      bindingVersion: Type.Integer(),
      keyId: Hex64,
      agentKeyId: Hex64,
      submittedAt: Instant,
      submittedBy: Actor,
      revocation: Revocation(DelegationRevocationTerms),
    },
    "an enterprise's delegation to an agent (经办人), signed by its legal representative",
    examples.delegation,
  ),
);

export const TxRef = Type.Object(
  { txId: Type.String(), blockNumber: Type.Integer() },
  { examples: [examples.txRef] },
);

/** A write's answer: the entity as written and where it landed. */
export const Written = <T extends TSchema>(schema: T) => Type.Object({ data: schema, tx: TxRef });

export const HistoryItem = <T extends TSchema>(schema: T) =>
  Type.Object({
    txId: Type.String(),
    timestamp: Instant,
    isDelete: Type.Boolean(),
    value: Nullable(schema),
  });

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      description: `page size (≤ ${MAX_PAGE_SIZE})`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 512,
      pattern: '^[A-Za-z0-9_-]*$',
      description: 'opaque cursor from the previous page',
    }),
  ),
};

export const Page = <T extends TSchema>(schema: T) =>
  Type.Object({
    items: Type.Array(schema),
    nextCursor: Nullable(
      Type.String({ description: 'pass as `cursor` for the next page; null at the end' }),
    ),
  });

export { Nullable };

/** A body that is only a reason, which the ledger records with the act (one example per act). */
export const ReasonBody = (example: string) =>
  Type.Object(
    { reason: Text(2048, 1) },
    { additionalProperties: false, examples: [{ reason: example }] },
  );

/** A list answer without paging. */
export const Items = <T extends TSchema>(schema: T) => Type.Object({ items: Type.Array(schema) });
