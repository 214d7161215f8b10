/**
 * Dataset versions under /catalog/:id/versions: streaming upload (store, anchor, mark anchored),
 * lists from the index, one version from the ledger, proof bundles, and content download after
 * the use is recorded on chain.
 */
import {
  Type,
  type FastifyPluginCallbackTypebox,
  type TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { TX, type DatasetVersion as DatasetVersionType } from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import { READ, USE, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { GatewayContext } from '../services/runtime.js';
import type { RouteApp, RouteOptions } from './context.js';
import {
  mediaResponses,
  recordedUse,
  responses,
  StreamBody,
  uploadStream,
  written,
} from './helpers.js';
import { CatalogParams } from './catalog.js';
import { DatasetVersion, Enums, Id, Text, VersionNumber, Written } from './schemas.js';
import { AnchoredVersion } from './shapes.js';
import { CONTENT_EXAMPLES } from './examples.js';

const VersionParams = Type.Object(
  { id: Id('catalog entry id'), version: VersionNumber() },
  { additionalProperties: false },
);

const Bundle = Type.Object(
  {},
  {
    additionalProperties: true,
    description: 'proof bundle (format shulian-proof, version 2; see proof/README.md)',
  },
);

const FieldList = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$',
  maxLength: 8192,
  description: 'comma-separated field names; default: the grant’s fields',
});

/**
 * The Content-Type a download is served with: the declared media type when it is a data format a
 * browser will not render as a page or run as script; anything else (text/html, image/svg+xml,
 * JavaScript...) as opaque bytes, so a dataset can never become a page on the gateway's origin.
 */
const SERVED_AS_DECLARED = new Set([
  'text/csv',
  'application/x-ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/json',
  'text/plain',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'image/png',
  'image/jpeg',
]);

export function servedType(mediaType: string): string {
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  return SERVED_AS_DECLARED.has(type) ? type : 'application/octet-stream';
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** What can be done with one anchored version: where a listed or anchored version links to. */
const VERSION_OPERATIONS = [
  'GET /api/v1/catalog/{id}/versions/{version}',
  'GET /api/v1/catalog/{id}/versions/{version}/proof',
  'GET /api/v1/catalog/{id}/versions/{version}/content',
];

const tags = ['datasets'];

export const versionRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  uploadRoute(app, ctx);
  readRoutes(app, ctx);
  contentRoute(app, ctx);
  done();
};

/** Anchoring a new version: the upload, stored and committed as it streams. */
function uploadRoute(app: RouteApp, ctx: GatewayContext): void {
  // The upload route gets the raw request stream whatever its content type: the bytes are the
  // dataset, hashed and stored as they arrive, never buffered or parsed as JSON.
  app.register((instance, _opts, registered) => {
    const upload = instance.withTypeProvider<TypeBoxTypeProvider>();
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload));
    upload.post(
      '/:id/versions',
      {
        config: {
          upload:
            "the dataset file, of the entry's declared format (its Content-Type, if given, must name it)",
          links: follow(
            { id: '$response.body#/data/catalogId', version: '$response.body#/data/version' },
            ...VERSION_OPERATIONS,
          ),
        },
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          tags,
          summary: 'upload and anchor a new dataset version (publisher of the owner department)',
          description:
            'The request body is the file, streamed (any size up to the configured limit). It is hashed while it arrives ' +
            '(sha256 or sm3, plus a 1 MiB chunk Merkle root), stored content-addressed, and anchored on chain. CSV ' +
            '(text/csv) and JSON Lines (application/x-ndjson) are also anchored record by record. The upload must be of the ' +
            "entry's declared format: a Content-Type naming another is refused before the body is read, and bytes of " +
            'another kind (a page, an image or binary data under a CSV entry) as they arrive, both 415 MEDIA_TYPE_MISMATCH; ' +
            'malformed records of the right kind are 400 FORMAT_MISMATCH, and a record (row or line) of more than 64 MiB of text ' +
            "413 RECORD_TOO_LARGE (records=false anchors such a file as one value). Without a Content-Type the entry's format is meant.",
          params: CatalogParams,
          querystring: Type.Object(
            {
              reason: Type.Optional(Text(2048, 1)),
              algorithm: Type.Optional(Enums.digestAlgorithm),
              records: Type.Optional(
                Type.Boolean({
                  description: 'anchor record by record (default: for CSV and JSON Lines)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: responses(
            Written(DatasetVersion),
            [
              ...WRITE,
              'CATALOG_NOT_FOUND',
              'CATALOG_RETIRED',
              'REASON_REQUIRED',
              'EMPTY_UPLOAD',
              'INVALID_ENCODING',
              'INVALID_DIGEST',
              'DIGEST_MISMATCH',
              'COMMITMENT_CONFLICT',
              'FORMAT_MISMATCH',
              'RECORD_TOO_LARGE',
              'MEDIA_TYPE_MISMATCH',
              'UNSUPPORTED_MEDIA_TYPE',
            ],
            201,
          ),
        },
      },
      async (request, reply) => {
        const header = request.headers['content-type'];
        const mediaType = header === undefined ? null : header.split(';')[0]!.trim().toLowerCase();
        if (mediaType !== null && !MEDIA_TYPE.test(mediaType))
          throw new GatewayError(
            'UNSUPPORTED_MEDIA_TYPE',
            `invalid media type ${JSON.stringify(mediaType)}`,
          );
        const declared = Number(request.headers['content-length'] ?? 'NaN');
        if (Number.isFinite(declared) && declared > ctx.config.uploadLimit) {
          throw new GatewayError(
            'PAYLOAD_TOO_LARGE',
            `uploads are limited to ${ctx.config.uploadLimit} bytes`,
          );
        }
        const s = await ctx.datasets.anchor(callerOf(request), {
          catalogId: request.params.id,
          source: uploadStream(request),
          mediaType,
          reason: request.query.reason ?? null,
          algorithm: request.query.algorithm ?? 'sha256',
          ...(request.query.records === undefined ? {} : { records: request.query.records }),
          maxBytes: ctx.config.uploadLimit,
        });
        ctx.metrics.increment(
          'uploaded_bytes_total',
          'bytes anchored through uploads',
          {},
          s.value.size,
        );
        return reply.status(201).send(await written(ctx, s));
      },
    );
    registered();
  });
}

/** A version's anchors and proofs: what every member may read, and record proofs (uses). */
function readRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/:id/versions',
    {
      config: {
        links: follow(
          { id: '$response.body#/items/0/catalogId', version: '$response.body#/items/0/version' },
          ...VERSION_OPERATIONS,
        ),
      },
      schema: {
        tags,
        summary:
          "a catalog entry's anchored versions, oldest first, with their anchoring transaction",
        description:
          "The entry's anchored versions from the query index, oldest first, each with the transaction and block that anchored it. Any member department; records nothing.",
        params: CatalogParams,
        response: responses(Type.Object({ items: Type.Array(AnchoredVersion) }), [
          ...READ,
          'CATALOG_NOT_FOUND',
        ]),
      },
    },
    async (request) => ({ items: await ctx.index.versions(request.params.id) }),
  );

  app.get(
    '/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'one version, from the ledger',
        description:
          'One version as the ledger holds it: digest, chunk and record roots, size, media type, who anchored it and when. Any member department; records nothing.',
        params: VersionParams,
        response: responses(DatasetVersion, [
          ...READ,
          'CATALOG_NOT_FOUND',
          'DATASET_VERSION_NOT_FOUND',
        ]),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<DatasetVersionType>(callerOf(request), TX.dataset.GetVersion, [
        request.params.id,
        String(request.params.version),
      ]),
  );

  app.get(
    '/:id/versions/:version/proof',
    {
      schema: {
        tags,
        summary:
          'proof bundle for the file: verify offline with `shulian verify <file> --proof --trust`',
        description:
          "A proof bundle for the version's file, which a third party checks offline against the trust file. It carries the anchor (digests, sizes, roots) and the signed transaction, none of the data, so every member may have it and it is not a use: nothing is recorded (record proofs, which disclose a record, are uses).",
        params: VersionParams,
        response: responses(Bundle, USE),
      },
    },
    async (request) =>
      ctx.datasets.proof(callerOf(request), request.params.id, request.params.version),
  );

  app.get(
    '/:id/versions/:version/records/:index/proof',
    {
      schema: {
        tags,
        summary: 'proof bundle for one record (reveals that record and no other)',
        description:
          'A proof bundle for one record: it reveals that record (only the granted fields when the grant limits them) and no other. The use is checked and recorded on chain first.',
        params: Type.Object(
          {
            id: Id(),
            version: VersionNumber(),
            index: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
          },
          { additionalProperties: false },
        ),
        response: responses(Bundle, [...USE, 'RECORD_NOT_FOUND']),
      },
    },
    async (request, reply) => {
      const issued = await recordedUse(ctx, () =>
        ctx.datasets.recordProof(
          callerOf(request),
          request.params.id,
          request.params.version,
          request.params.index,
        ),
      );
      // The text whose digest the usage record holds, byte for byte.
      return reply
        .type('application/json; charset=utf-8')
        .header('x-shulian-usage-id', issued.usage.id)
        .header('x-shulian-fields', issued.usage.fields.join(','))
        .send(issued.text);
    },
  );
}

/** A version's bytes, to its owner and its grantees (a use, recorded either way). */
function contentRoute(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/:id/versions/:version/content',
    {
      schema: {
        tags,
        summary:
          'download: the use is checked and recorded on chain first; tabular data is projected to the granted fields',
        description:
          'A refused download is recorded on chain as DENIED and answered 403 with its code (GRANT_EXPIRED, FIELDS_NOT_GRANTED...). On a department’s own gateway (Fabric), another department’s version is fetched from that department’s gateway after the use is recorded and checked whole against the recorded delivery before it is sent: PROVIDER_UNREACHABLE (nothing recorded when it is down before the use), DELIVERY_INCOMPLETE or DELIVERY_MISMATCH (nothing kept).',
        params: VersionParams,
        querystring: Type.Object(
          {
            grantId: Type.Optional(Id('the grant to use')),
            fields: Type.Optional(FieldList),
            purpose: Type.Optional(Enums.purpose),
          },
          { additionalProperties: false },
        ),
        // The dataset's own media type, as anchored: CSV and JSON Lines are projected.
        response: mediaResponses(
          {
            'text/csv': {
              schema: StreamBody('CSV, projected to the granted fields'),
              example: CONTENT_EXAMPLES.csv,
            },
            'application/x-ndjson': {
              schema: StreamBody('JSON Lines, projected to the granted fields'),
              example: CONTENT_EXAMPLES.jsonl,
            },
            'application/octet-stream': { schema: StreamBody('the file as anchored') },
            '*/*': { schema: StreamBody('the file as anchored, under its own media type') },
          },
          // A department's own gateway fetches another department's version from its gateway.
          [
            ...USE,
            'NOT_ACCEPTABLE',
            'PROVIDER_UNREACHABLE',
            'PROVIDER_REFUSED',
            'DELIVERY_INCOMPLETE',
            'DELIVERY_MISMATCH',
          ],
        ),
      },
    },
    async (request, reply) => {
      const { fields, purpose } = request.query;
      const caller = callerOf(request);
      // Without a grant named, the consumer's current grant on the entry is used, and with it
      // its fields, so a plain download gets what was granted instead of a refusal.
      const grant =
        request.query.grantId === undefined && fields === undefined
          ? await ctx.index.currentGrant(caller.department, request.params.id, ctx.now())
          : undefined;
      const opened = await recordedUse(ctx, () =>
        ctx.datasets.open(caller, request.params.id, request.params.version, {
          grantId: request.query.grantId ?? grant?.id ?? null,
          fields: fields ? fields.split(',') : null,
          purpose: purpose ?? null,
        }),
      );
      ctx.metrics.increment('downloads_total', 'recorded downloads', {
        projected: String(opened.projected),
      });
      // Delivered only when the last byte left having matched the anchored digest; a damaged blob
      // ends the stream with BLOB_DAMAGED before its last piece and the connection is cut.
      opened.stream.once('end', () => {
        const labels = { projected: String(opened.projected) };
        ctx.metrics.increment(
          'downloads_delivered_total',
          'downloads delivered whole and verified',
          labels,
        );
        ctx.metrics.increment(
          'downloaded_bytes_total',
          'bytes of downloads delivered whole',
          labels,
          opened.delivery.bytes,
        );
      });
      opened.stream.once('error', (err: Error & { code?: string }) => {
        const code = err.code === 'BLOB_DAMAGED' ? 'BLOB_DAMAGED' : 'INTERNAL';
        ctx.metrics.increment('download_failures_total', 'downloads aborted mid-stream', { code });
        request.log.error(
          { code, usageId: opened.usage.id, err },
          `download of ${opened.version.id} aborted: ${err.message}`,
        );
      });
      const extension =
        opened.mediaType === 'text/csv'
          ? '.csv'
          : opened.mediaType === 'application/x-ndjson'
            ? '.jsonl'
            : '';
      return (
        reply
          .type(servedType(opened.mediaType))
          // Known for a projection too: it was measured before the use was recorded.
          .header('content-length', opened.delivery.bytes)
          .header('x-content-type-options', 'nosniff')
          .header('x-shulian-usage-id', opened.usage.id)
          .header('x-shulian-fields', opened.usage.fields.join(','))
          .header(
            'x-shulian-delivered-digest',
            `${opened.delivery.digest.algorithm}:${opened.delivery.digest.value}`,
          )
          .header(
            'content-disposition',
            `attachment; filename="${opened.version.catalogId}-v${opened.version.version}${extension}"`,
          )
          .send(opened.stream)
      );
    },
  );
}
