/**
 * Gateway-to-gateway exchange (#15), the provider's routes under /exchange: another department's
 * gateway asks for a quote (what a use of a version would deliver) and, once its user's use is
 * committed on chain, for the delivery. No bearer token: the request is signed with the user's
 * Fabric identity and arrives over mutual TLS on the exchange listener (server.ts); over plain
 * HTTP no TLS certificate is presented and the request is refused. gateway/src/exchange/provider.ts
 * holds the rules.
 */
import { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { EXCHANGE } from '../operation-errors.js';
import { createExchangeProvider } from '../exchange/provider.js';
import type { RouteOptions } from './context.js';
import { mediaResponses, responses, StreamBody } from './helpers.js';
import { Digest, Enums, Id, VersionNumber } from './schemas.js';
import { FieldNames } from './shapes.js';
import { servedType } from './versions.js';
import * as examples from './examples.js';

const Department = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$' });

const SignedRequest = Type.Object(
  {
    request: Type.Object(
      {
        kind: Type.Union([Type.Literal('quote'), Type.Literal('deliver')]),
        provider: Department,
        consumer: Type.Object(
          { department: Department, user: Type.String({ minLength: 1, maxLength: 128 }) },
          { additionalProperties: false },
        ),
        catalogId: Id('catalog entry'),
        version: VersionNumber(),
        grantId: Type.Union([Id('the grant the use is under'), Type.Null()]),
        fields: Type.Union([FieldNames, Type.Null()]),
        purpose: Type.Union([Enums.purpose, Type.Null()]),
        usageId: Type.Union([Id('the committed use a delivery is for'), Type.Null()]),
        blockNumber: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            description:
              'a delivery’s: the block its use was committed in, which the provider’s ledger is waited on to reach (gateways that predate it send none)',
          }),
        ),
        nonce: Type.String({ pattern: '^[0-9a-f]{32,64}$', description: '128+ random bits, hex' }),
        issuedAt: Type.String({
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$',
          description: 'when it was signed, UTC (ISO 8601)',
        }),
      },
      { additionalProperties: false },
    ),
    certificate: Type.String({
      maxLength: 16384,
      pattern: '^-----BEGIN CERTIFICATE-----',
      description: 'the signing user’s certificate (PEM), issued by its department’s CA',
    }),
    signature: Type.String({
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
      maxLength: 512,
      description: 'ECDSA (DER, base64) over SHA-256 of the request’s canonical JSON',
    }),
  },
  { additionalProperties: false, examples: [examples.signedExchangeRequest] },
);

const QuoteAnswer = Type.Object(
  {
    data: Type.Object({
      catalogId: Id(),
      version: VersionNumber(),
      mediaType: Type.String(),
      projected: Type.Boolean(),
      bytes: Type.Integer({ minimum: 0 }),
      digest: Digest,
    }),
  },
  { additionalProperties: false, examples: [{ data: examples.exchangeQuote }] },
);

/** The calling gateway's TLS certificate, when the request came over the exchange listener. */
const peerOf = (request: FastifyRequest): X509Certificate | null => {
  const socket = request.raw.socket;
  return socket instanceof TLSSocket ? (socket.getPeerX509Certificate() ?? null) : null;
};

export const exchangeRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['exchange'];
  const provider = createExchangeProvider({
    chaincode: ctx.chaincode,
    ledger: ctx.ledger,
    datasets: ctx.datasets,
    members: ctx.trust.departments,
    reader: ctx.publicReader,
    nonces: ctx.exchangeNonces,
    now: () => ctx.now(),
  });

  app.post(
    '/quote',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'another department’s gateway: what a use of a version would deliver',
        description:
          'Signed with the consumer user’s Fabric identity, over mutual TLS (the calling gateway’s certificate as its department published it). Answers the bytes and digest of the version projected to the fields, under a live grant of the consumer’s department; records nothing.',
        body: SignedRequest,
        response: responses(QuoteAnswer, EXCHANGE),
      },
    },
    async (request) => {
      const quote = await provider.quote(request.body, peerOf(request));
      return {
        data: {
          catalogId: quote.version.catalogId,
          version: quote.version.version,
          mediaType: quote.mediaType,
          projected: quote.projected,
          ...quote.delivery,
        },
      };
    },
  );

  app.post(
    '/deliveries',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'another department’s gateway: the bytes of its user’s committed use',
        description:
          'Signed and over mutual TLS like a quote, naming a committed ALLOWED download of the signing user and the block it was committed in, which this department’s ledger is waited on to reach (503 USE_BLOCK_NOT_REACHED past 5 s). The grant is read again (revoked or expired since: 403); each use is delivered once. The bytes are projected to the use’s fields and are exactly the delivery the usage record carries (x-shulian-delivered-digest).',
        body: SignedRequest,
        response: mediaResponses({ '*/*': { schema: StreamBody('the delivered bytes') } }, [
          ...EXCHANGE,
          'FORBIDDEN',
          'USAGE_NOT_FOUND',
          'USE_ALREADY_DELIVERED',
          'USE_BLOCK_NOT_REACHED',
          'DIGEST_MISMATCH',
        ]),
      },
    },
    async (request, reply) => {
      const served = await provider.deliver(request.body, peerOf(request));
      served.stream.once('error', (err: Error) =>
        request.log.error(
          { usageId: served.usage.id, err },
          `delivery of ${served.version.id} aborted: ${err.message}`,
        ),
      );
      return reply
        .type(servedType(served.mediaType))
        .header('content-length', served.delivery.bytes)
        .header('x-content-type-options', 'nosniff')
        .header('x-shulian-usage-id', served.usage.id)
        .header(
          'x-shulian-delivered-digest',
          `${served.delivery.digest.algorithm}:${served.delivery.digest.value}`,
        )
        .send(served.stream);
    },
  );

  done();
};
