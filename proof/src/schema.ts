/**
 * JSON Schemas (TypeBox) for what a verifier reads from strangers: proof bundles and trust files.
 * A bundle is checked against these before any cryptography, so every later check can rely on
 * types, and a malformed field is reported by its path instead of crashing the verifier.
 *
 * The ledger structures mirror the embedded format's interfaces (./formats/embedded.ts);
 * `schemaOf<T>()` fails to compile when a schema and its interface drift apart.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type {
  BlockHeader,
  ChaincodeEvent,
  ChaincodeResponse,
  Endorsement,
  MetadataWrite,
  Proposal,
  ProposalResponsePayload,
  RangeRead,
  ReadItem,
  RwSet,
  SignerRef,
  Transaction,
  WriteItem,
} from './formats/embedded.js';
import type { Json } from '@shulian/chaincode/canonical';
import type { FieldProof, SelectiveRecordProof } from './records.js';
import type { FabricEvidence } from './formats/fabric.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Identity on a schema whose static type must equal T exactly. */
const schemaOf =
  <T>() =>
  <S extends TSchema>(schema: S & (Same<Static<S>, T> extends true ? unknown : never)): S =>
    schema;

export const BUNDLE_FORMAT = 'shulian-proof';
/** The version bundles are made in; version 1 bundles (whole-record proofs) still verify. */
export const BUNDLE_VERSION = 2;

const closed = { additionalProperties: false } as const;
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Algorithm = Type.Union([Type.Literal('sha256'), Type.Literal('sm3')]);
const JsonValue = Type.Unsafe<Json>(Type.Any());

const SignerRefSchema = schemaOf<SignerRef>()(
  Type.Object({ mspId: Type.String(), certificate: Type.String() }, closed),
);

const ProposalSchema = schemaOf<Proposal>()(
  Type.Object(
    {
      version: Type.Literal(1),
      channel: Type.String(),
      chaincode: Type.String(),
      fcn: Type.String(),
      args: Type.Array(Type.String()),
      transientKeys: Type.Array(Type.String()),
      txId: Hex32,
      nonce: Type.String(),
      timestamp: Count,
      creator: SignerRefSchema,
    },
    closed,
  ),
);

const ReadItemSchema = schemaOf<ReadItem>()(
  Type.Object(
    {
      key: Type.String(),
      version: Type.Union([Type.Object({ block: Count, tx: Count }, closed), Type.Null()]),
    },
    closed,
  ),
);

const RwSetSchema = schemaOf<RwSet>()(
  Type.Object(
    {
      reads: Type.Array(ReadItemSchema),
      rangeReads: Type.Array(
        schemaOf<RangeRead>()(
          Type.Object(
            {
              startKey: Type.String(),
              endKey: Type.String(),
              reads: Type.Array(ReadItemSchema),
              exhausted: Type.Boolean(),
            },
            closed,
          ),
        ),
      ),
      writes: Type.Array(
        schemaOf<WriteItem>()(
          Type.Object(
            { key: Type.String(), value: Type.Optional(Type.String()), isDelete: Type.Boolean() },
            closed,
          ),
        ),
      ),
      metadataWrites: Type.Array(
        schemaOf<MetadataWrite>()(
          Type.Object(
            { key: Type.String(), validationParameter: Type.Optional(Type.String()) },
            closed,
          ),
        ),
      ),
    },
    closed,
  ),
);

const PayloadSchema = schemaOf<ProposalResponsePayload>()(
  Type.Object(
    {
      txId: Hex32,
      proposalHash: Hex32,
      rwset: RwSetSchema,
      event: Type.Union([
        schemaOf<ChaincodeEvent>()(
          Type.Object({ name: Type.String(), payload: Type.String() }, closed),
        ),
        Type.Null(),
      ]),
      response: schemaOf<ChaincodeResponse>()(
        Type.Object(
          { status: Type.Integer(), message: Type.String(), payload: Type.String() },
          closed,
        ),
      ),
    },
    closed,
  ),
);

const TransactionSchema = schemaOf<Transaction>()(
  Type.Object(
    {
      proposal: ProposalSchema,
      clientSignature: Type.String(),
      payload: PayloadSchema,
      endorsements: Type.Array(
        schemaOf<Endorsement>()(
          Type.Object({ endorser: SignerRefSchema, signature: Type.String() }, closed),
        ),
      ),
    },
    closed,
  ),
);

const HeaderSchema = schemaOf<BlockHeader>()(
  Type.Object(
    { number: Count, previousHash: Hex32, dataHash: Hex32, timestamp: Count, txCount: Count },
    closed,
  ),
);

const DigestSchema = Type.Object({ algorithm: Algorithm, value: Hex32 }, closed);

const RecordProofSchema = Type.Object(
  {
    algorithm: Algorithm,
    record: JsonValue,
    salt: Hex32,
    index: Count,
    count: Count,
    path: Type.Array(Hex32),
    root: Hex32,
  },
  closed,
);

const AnchorSchema = Type.Object({ key: Type.String(), value: JsonValue }, closed);
const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' });

/** A version 3 salt (./leaves-v3.ts): one cipher block. */
const Hex16 = Type.String({ pattern: '^[0-9a-f]{32}$' });

const FieldProofSchema = schemaOf<FieldProof>()(
  Type.Union([
    Type.Object({ value: JsonValue, salt: Hex32 }, closed),
    Type.Object({ commitment: Hex32 }, closed),
  ]),
);
const FieldProofV3Schema = schemaOf<FieldProof>()(
  Type.Union([
    Type.Object({ value: JsonValue, salt: Hex16 }, closed),
    Type.Object({ commitment: Hex32 }, closed),
  ]),
);

const RecordPosition = {
  algorithm: Algorithm,
  salt: Hex32,
  index: Count,
  count: Count,
  path: Type.Array(Hex32),
  root: Hex32,
};
const RecordPositionV3 = { version: Type.Literal(3), ...RecordPosition, salt: Hex16 };

/**
 * Each field opened or withheld (records.ts), `fields` for objects, else `value`: leaf version 2
 * (32-byte salts, no `version`) or 3 (16-byte salts, `version: 3`).
 */
const SelectiveRecordProofSchema = schemaOf<SelectiveRecordProof>()(
  Type.Union([
    Type.Object(
      { ...RecordPosition, fields: Type.Record(Type.String(), FieldProofSchema) },
      closed,
    ),
    Type.Object({ ...RecordPosition, value: FieldProofSchema }, closed),
    Type.Object(
      { ...RecordPositionV3, fields: Type.Record(Type.String(), FieldProofV3Schema) },
      closed,
    ),
    Type.Object({ ...RecordPositionV3, value: FieldProofV3Schema }, closed),
  ]),
);

const FileSubjectSchema = Type.Object(
  { kind: Type.Literal('file'), digest: DigestSchema, size: Count },
  closed,
);

/**
 * A delivery receipt's subject: the bytes one use delivered (a projected download, a record proof,
 * a query's answer), as its usage record says; the anchor is that usage record.
 */
const DeliverySubjectSchema = Type.Object(
  { kind: Type.Literal('delivery'), digest: DigestSchema, size: Count },
  closed,
);

/**
 * What a bundle of the current version proves: a file, a record with chosen fields, or what a use
 * delivered. A delivery subject came after version 2 without a new version: it changes nothing a
 * file or record bundle proves, and a verifier that predates it refuses it by its schema.
 */
export const BundleSubjectSchema = Type.Union([
  FileSubjectSchema,
  Type.Object({ kind: Type.Literal('record'), proof: SelectiveRecordProofSchema }, closed),
  DeliverySubjectSchema,
]);
export type BundleSubject = Static<typeof BundleSubjectSchema>;

/**
 * One schema for both versions, so a malformed field is still named by its path; which record
 * proof goes with which version is checked by the verifier (`subject.proof`).
 */
export const BundleSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    version: Type.Union([Type.Literal(1), Type.Literal(BUNDLE_VERSION)]),
    subject: Type.Union([
      FileSubjectSchema,
      Type.Object({ kind: Type.Literal('record'), proof: RecordProofSchema }, closed),
      Type.Object({ kind: Type.Literal('record'), proof: SelectiveRecordProofSchema }, closed),
      DeliverySubjectSchema,
    ]),
    /** The state entry exactly as the transaction wrote it: a DatasetVersion or a UsageRecord. */
    anchor: AnchorSchema,
    transaction: TransactionSchema,
    block: Type.Object(
      {
        header: HeaderSchema,
        ordererSignature: Type.Object(
          { orderer: SignerRefSchema, signature: Type.String() },
          closed,
        ),
        txIndex: Count,
        inclusionPath: Type.Array(Hex32),
      },
      closed,
    ),
    validationCode: Type.String(),
  },
  closed,
);
export type ProofBundle = Static<typeof BundleSchema>;

/** Fabric's own structures (formats/fabric-evidence.ts): the block as ordered, not re-encoded. */
export const FabricEvidenceSchema = schemaOf<FabricEvidence>()(
  Type.Object(
    {
      channel: Type.String(),
      index: Count,
      validationCode: Type.String(),
      header: Type.Object(
        {
          number: Type.String({ pattern: '^(0|[1-9][0-9]{0,19})$' }),
          previousHash: Type.String({ pattern: '^([0-9a-f]{64})?$' }),
          dataHash: Hex32,
        },
        closed,
      ),
      data: Type.Array(Base64, { minItems: 1 }),
      signatureValue: Base64,
      signatures: Type.Array(Type.Object({ signatureHeader: Base64, signature: Base64 }, closed)),
    },
    closed,
  ),
);

/** A bundle whose ledger is Fabric: the same subject and anchor, Fabric's evidence for the rest. */
export const FabricBundleSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    version: Type.Literal(BUNDLE_VERSION),
    ledger: Type.Literal('fabric'),
    subject: BundleSubjectSchema,
    anchor: AnchorSchema,
    /** The transaction id the anchor was written by. */
    txId: Hex32,
    fabric: FabricEvidenceSchema,
  },
  closed,
);
export type FabricProofBundle = Static<typeof FabricBundleSchema>;

/** A bundle of either ledger format; verifyBundle tells them apart by `ledger`. */
export type AnyProofBundle = ProofBundle | FabricProofBundle;

export const TrustSchema = Type.Object(
  {
    format: Type.Literal('shulian-trust'),
    version: Type.Literal(1),
    channel: Type.String(),
    departments: Type.Record(Type.String(), Type.Object({ caCertificate: Type.String() }, closed)),
    orderers: Type.Array(
      Type.Union([
        Type.Object({ mspId: Type.String(), certificate: Type.String() }, closed),
        Type.Object({ mspId: Type.String(), publicKey: Type.String() }, closed),
      ]),
    ),
  },
  closed,
);
export type TrustFile = Static<typeof TrustSchema>;

/**
 * The fields of a DatasetVersion (chaincode/src/model/types.ts) that a proof relies on; the rest
 * of the value is bound by the write-set comparison but not interpreted here.
 */
export const AnchoredVersionSchema = Type.Object({
  owner: Type.String(),
  digest: DigestSchema,
  chunkRoot: Hex32,
  chunkSize: Count,
  size: Count,
  recordRoot: Type.Union([Hex32, Type.Null()]),
  recordCount: Type.Union([Count, Type.Null()]),
});
export type AnchoredVersion = Static<typeof AnchoredVersionSchema>;

const Text = Type.String({ minLength: 1 });
const Nullable = <S extends TSchema>(schema: S) => Type.Union([schema, Type.Null()]);

/**
 * The fields of a UsageRecord (chaincode/src/model/types.ts) a delivery receipt relies on and a
 * verifier reports: who used what, under which grant and purpose, when, and what was delivered.
 * Outcome and digest are checked by the verifier with their own messages (a refused use, a use
 * recorded before deliveries were measured); the rest is bound by the write-set comparison.
 */
export const DeliveredUseSchema = Type.Object({
  id: Text,
  grantId: Nullable(Text),
  catalogId: Text,
  provider: Text,
  consumer: Type.Object({ department: Text, user: Text }),
  datasetVersion: Nullable(Count),
  action: Text,
  fields: Type.Array(Type.String()),
  bytes: Nullable(Count),
  deliveredDigest: Nullable(DigestSchema),
  purpose: Nullable(Text),
  outcome: Text,
  at: Text,
});
/** A use as recorded and checked: allowed, with what it delivered. */
export type DeliveredUse = Static<typeof DeliveredUseSchema> & {
  outcome: 'ALLOWED';
  bytes: number;
  deliveredDigest: Static<typeof DigestSchema>;
};

export interface Failure {
  /** Dotted path of what failed, e.g. `transaction.endorsements[1].signature`. */
  check: string;
  message: string;
}

type Check = (value: unknown) => boolean;
const checks = new WeakMap<TSchema, Check>();

/**
 * A compiled check is ~20x faster than interpreting the schema; pages whose Content Security
 * Policy forbids code generation get the interpreter.
 */
function checkerFor(schema: TSchema): Check {
  let check = checks.get(schema);
  if (!check) {
    try {
      const compiled = TypeCompiler.Compile(schema);
      check = (value) => compiled.Check(value);
    } catch {
      check = (value) => Value.Check(schema, value);
    }
    checks.set(schema, check);
  }
  return check;
}

/** Shape failures named by path under `root` (`bundle.block.txIndex`), at most `limit` of them. */
export function shapeFailures(
  schema: TSchema,
  value: unknown,
  root: string,
  limit = 20,
): Failure[] {
  if (checkerFor(schema)(value)) return [];
  const failures: Failure[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = error.path
      .split('/')
      .slice(1)
      .map((part) =>
        /^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`,
      )
      .join('');
    failures.push({ check: root + path, message: error.message });
    if (failures.length >= limit) break;
  }
  return failures;
}
