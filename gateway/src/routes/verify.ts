/**
 * Verification (核验) for anyone, without a token: is this digest, this file, this record proof or
 * this proof bundle anchored on the ledger? Digest lookups come from the index (fed by the ledger);
 * uploaded files are hashed as they stream and never stored.
 */
import { createHash } from 'node:crypto';
import {
  Type,
  type FastifyPluginCallbackTypebox,
  type Static,
  type TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { Json } from '@shulian/chaincode/canonical';
import type { DatasetVersion } from '@shulian/chaincode/constants';
import { GatewayError } from '../errors.js';
import type { Indexed } from '../index/query-index.js';
import { verifyBundle, type DeliveredUse } from '@shulian/proof/bundle';
import { nodeHashes, nodeProofCrypto } from '@shulian/proof/node';
import {
  verifyRecordProof,
  verifySelectiveRecordProof,
  type RecordProof,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import type { GatewayContext } from '../services/runtime.js';
import type { RouteApp, RouteOptions } from './context.js';
import { responses, uploadStream } from './helpers.js';
import { Actor, Digest, Enums, Hex64, Instant, Nullable } from './schemas.js';
import { VersionMatch } from './shapes.js';

const Matches = Type.Object({
  matches: Type.Array(VersionMatch, { description: 'empty: not anchored' }),
});
const Failure = Type.Object({ check: Type.String(), message: Type.String() });

const RecordPosition = {
  algorithm: Enums.digestAlgorithm,
  salt: Hex64,
  index: Type.Integer({ minimum: 0 }),
  count: Type.Integer({ minimum: 1 }),
  path: Type.Array(Hex64, { maxItems: 64 }),
  root: Hex64,
};
/** Leaf version 3's salts are one cipher block: 16 bytes. */
const SaltV3 = Type.String({ pattern: '^[0-9a-f]{32}$', description: '16 bytes, lower-case hex' });
const RecordPositionV3 = { version: Type.Literal(3), ...RecordPosition, salt: SaltV3 };
const closed = { additionalProperties: false } as const;
const fieldProof = (salt: typeof Hex64) =>
  Type.Union([
    Type.Object({ value: Type.Unknown(), salt }, closed),
    Type.Object({ commitment: Hex64 }, closed),
  ]);
const fields = (salt: typeof Hex64) =>
  Type.Record(Type.String(), fieldProof(salt), { maxProperties: 4096 });
/**
 * A whole-record proof (bundle version 1) or a field-by-field one: leaf version 2 (no `version`,
 * 32-byte salts) or 3.
 */
const RecordProofSchema = Type.Union([
  Type.Object({ ...RecordPosition, record: Type.Unknown() }, closed),
  Type.Object({ ...RecordPosition, fields: fields(Hex64) }, closed),
  Type.Object({ ...RecordPosition, value: fieldProof(Hex64) }, closed),
  Type.Object({ ...RecordPositionV3, fields: fields(SaltV3) }, closed),
  Type.Object({ ...RecordPositionV3, value: fieldProof(SaltV3) }, closed),
]);

function matches(ctx: GatewayContext, versions: Indexed<DatasetVersion>[]) {
  return versions.map((v) => ({
    catalogId: v.catalogId,
    catalogName: ctx.index.catalogName(v.catalogId),
    version: v.version,
    owner: v.owner,
    digest: v.digest,
    recordRoot: v.recordRoot,
    txId: v.txId,
    blockNumber: v.blockNumber,
    anchoredAt: v.anchoredAt,
  }));
}

/** What a verified delivery receipt says about its use (the usage record's members a receipt binds). */
const Delivery = Type.Object(
  {
    id: Type.String(),
    grantId: Nullable(Type.String()),
    catalogId: Type.String(),
    datasetVersion: Nullable(Type.Integer()),
    provider: Type.String(),
    consumer: Actor,
    action: Type.String(),
    fields: Type.Array(Type.String()),
    purpose: Nullable(Type.String()),
    bytes: Type.Integer({ minimum: 0 }),
    deliveredDigest: Digest,
    at: Instant,
  },
  {
    description:
      'for a delivery receipt: the use it proves (to whom, under which grant and purpose, when, what was delivered); null for other bundles',
  },
);

/** The members the response names, whatever else the recorded use carries. */
const deliveryOf = (use: DeliveredUse): Static<typeof Delivery> => ({
  id: use.id,
  grantId: use.grantId,
  catalogId: use.catalogId,
  datasetVersion: use.datasetVersion,
  provider: use.provider,
  consumer: use.consumer,
  action: use.action,
  fields: use.fields,
  purpose: use.purpose,
  bytes: use.bytes,
  deliveredDigest: use.deliveredDigest,
  at: use.at,
});

const tags = ['verify'];
/** Every verification is public: whoever holds a file or a proof may check it. */
const config = { public: true };

export const verifyRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  lookupRoutes(app, ctx);
  proofRoutes(app, ctx);
  done();
};

/** Is this digest or record root anchored: given, or hashed from an uploaded file. */
function lookupRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/',
    {
      config: { ...config, exactlyOneOf: ['digest', 'recordRoot'] },
      schema: {
        tags,
        summary: 'is this digest (or record root) anchored? (no token needed)',
        description:
          'Looks up a file digest or a record root in the anchors the ledger holds, and names each version it was anchored as. Public: anyone holding a file may check it; records nothing.',
        querystring: Type.Object(
          {
            algorithm: Type.Optional(Enums.digestAlgorithm),
            digest: Type.Optional(Hex64),
            recordRoot: Type.Optional(Hex64),
          },
          { additionalProperties: false },
        ),
        response: responses(Matches, ['NOT_READY']),
      },
    },
    (request) => {
      const { algorithm = 'sha256', digest, recordRoot } = request.query;
      if ((digest === undefined) === (recordRoot === undefined)) {
        return Promise.reject(
          new GatewayError('VALIDATION_FAILED', 'give exactly one of digest or recordRoot'),
        );
      }
      const versions =
        digest !== undefined
          ? ctx.index.versionsByDigest(algorithm, digest)
          : ctx.index.versionsByRecordRoot(recordRoot!);
      return Promise.resolve({ matches: matches(ctx, versions) });
    },
  );

  app.register((instance, _opts, registered) => {
    const upload = instance.withTypeProvider<TypeBoxTypeProvider>();
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload));
    upload.post(
      '/file',
      {
        config: { ...config, upload: 'the file to hash (not stored)' },
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          tags,
          summary: 'hash an uploaded file as it streams (not stored) and look its digest up',
          description:
            'Hashes the uploaded file as it streams (not stored) and looks the digest up as GET /verify does. Public; records nothing.',
          querystring: Type.Object(
            { algorithm: Type.Optional(Enums.digestAlgorithm) },
            { additionalProperties: false },
          ),
          response: responses(
            Type.Object({
              digest: Type.Object({ algorithm: Type.String(), value: Type.String() }),
              size: Type.Integer(),
              ...Matches.properties,
            }),
            ['EMPTY_UPLOAD', 'NOT_READY'],
          ),
        },
      },
      async (request) => {
        const algorithm = request.query.algorithm ?? 'sha256';
        const hash = createHash(algorithm);
        let size = 0;
        for await (const chunk of uploadStream(request)) {
          size += (chunk as Buffer).length;
          if (size > ctx.config.uploadLimit)
            throw new GatewayError(
              'PAYLOAD_TOO_LARGE',
              `files are limited to ${ctx.config.uploadLimit} bytes`,
            );
          hash.update(chunk as Buffer);
        }
        if (size === 0) throw new GatewayError('EMPTY_UPLOAD', 'the file is empty');
        const value = hash.digest('hex');
        return {
          digest: { algorithm, value },
          size,
          matches: matches(ctx, ctx.index.versionsByDigest(algorithm, value)),
        };
      },
    );
    registered();
  });
}

/** A record proof or a proof bundle checked here as `shulian verify` checks it offline. */
function proofRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/record',
    {
      config,
      schema: {
        tags,
        summary: 'check a record proof, then whether its root is anchored',
        description:
          'Checks a record proof (whole-record or field-by-field) against its record root, then whether that root is anchored. Public; records nothing.',
        body: Type.Object({ proof: RecordProofSchema }, { additionalProperties: false }),
        response: responses(
          Type.Object({ ok: Type.Boolean(), failures: Type.Array(Failure), ...Matches.properties }),
          ['NOT_READY'],
        ),
      },
    },
    (request) => {
      const proof = request.body.proof as RecordProof | SelectiveRecordProof;
      const hash = nodeHashes[proof.algorithm];
      const check =
        'record' in proof
          ? verifyRecordProof(hash, proof)
          : verifySelectiveRecordProof(hash, proof);
      const found = check.ok ? matches(ctx, ctx.index.versionsByRecordRoot(proof.root)) : [];
      const failures = check.ok
        ? found.length === 0
          ? [{ check: 'root', message: 'the record root is not anchored on this ledger' }]
          : []
        : [{ check: `proof.${String(check.field)}`, message: check.reason }];
      return Promise.resolve({ ok: failures.length === 0, failures, matches: found });
    },
  );

  app.post(
    '/bundle',
    {
      config,
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        summary:
          "check a proof bundle against this network's trust file (what `shulian verify --proof` does offline)",
        description:
          "Checks a proof bundle against this network's trust file, as `shulian verify --proof` does offline: the anchored value, the endorsed transaction, the signed block header and the Merkle path. A delivery receipt (`digest`: the delivered file's) is answered with the use it proves in `delivery`. Public; records nothing.",
        body: Type.Object(
          {
            bundle: Type.Unknown(),
            digest: Type.Optional(
              Type.Object(
                { algorithm: Enums.digestAlgorithm, value: Hex64 },
                { additionalProperties: false },
              ),
            ),
            record: Type.Optional(Type.Unknown()),
          },
          { additionalProperties: false },
        ),
        response: responses(
          Type.Object({
            ok: Type.Boolean(),
            failures: Type.Array(Failure),
            txId: Nullable(Type.String()),
            blockNumber: Nullable(Type.Integer()),
            department: Nullable(Type.String()),
            delivery: Nullable(Delivery),
          }),
          [],
        ),
      },
    },
    async (request) => {
      const { bundle, digest, record } = request.body;
      const held = digest
        ? { kind: 'file' as const, digest }
        : record !== undefined
          ? { kind: 'record' as const, record: record as Json }
          : undefined;
      const result = await verifyBundle(bundle, ctx.trust, nodeProofCrypto, held);
      return result.ok
        ? {
            ok: true,
            failures: [],
            txId: result.txId,
            blockNumber: result.blockNumber,
            department: result.department,
            delivery: result.delivery ? deliveryOf(result.delivery) : null,
          }
        : {
            ok: false,
            failures: result.failures,
            txId: null,
            blockNumber: null,
            department: null,
            delivery: null,
          };
    },
  );
}
