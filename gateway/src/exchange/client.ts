/**
 * The consumer's side of gateway-to-gateway exchange (#15): a department's own gateway fetches
 * another department's version from that department's gateway, found in the on-chain directory.
 *
 * Every request is signed with the user's own Fabric identity (signed-request.ts) and sent over
 * mutual TLS: this gateway presents its TLS certificate (the one its department published) and
 * trusts for the provider only the certificate the provider's department published. A delivery is
 * written to `incoming/` while it is hashed and counted, and handed on only once it is whole and
 * exactly the delivery the usage record carries: a stream that breaks off is DELIVERY_INCOMPLETE,
 * one that ends with other bytes DELIVERY_MISMATCH, and in both cases the partial file is removed.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TX, type DepartmentGateway } from '@shulian/chaincode/constants';
import { toHex } from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';
import { GatewayError, type AnyErrorCode } from '../errors.js';
import type { Caller } from '../ledger/types.js';
import { GRANT_REFUSALS } from '../operation-errors.js';
import type { Chaincode } from '../services/chaincode.js';
import type { RemoteProvider, RemoteUse } from '../services/datasets.js';
import type { Delivery } from '../services/delivery.js';
import type { TlsPair } from './listener.js';
import { signRequest, type ExchangeRequest, type RequestSigner } from './signed-request.js';

export interface ExchangeClientDeps {
  chaincode: Chaincode;
  /** Who reads the directory: this gateway's department. */
  reader: Caller;
  /** A user's signing material (their department's wallet: this gateway's own users only). */
  identity(caller: Caller): Promise<RequestSigner>;
  /** This gateway's TLS certificate and key, presented to providers. */
  tls: TlsPair;
  /** Where deliveries are checked before they are handed on; emptied at start. */
  incomingDir: string;
  now(): number;
  /** No answer (or no byte of a delivery) for this long: the provider is unreachable. */
  timeoutMs?: number;
}

/**
 * The provider's refusals a consumer sees as its own: the grant as the provider read it. Anything
 * else the provider answers is PROVIDER_REFUSED, with its code in the details.
 */
const GRANT_REFUSED: ReadonlySet<string> = new Set(GRANT_REFUSALS);

const ERROR_BODY_LIMIT = 64 * 1024;

async function bodyText(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (text.length < ERROR_BODY_LIMIT) text += chunk.toString('utf8');
  }
  return text;
}

export async function createExchangeClient(deps: ExchangeClientDeps): Promise<RemoteProvider> {
  // A crash mid-delivery leaves a partial file: none survives a restart.
  await rm(deps.incomingDir, { recursive: true, force: true });
  await mkdir(deps.incomingDir, { recursive: true, mode: 0o700 });
  const timeoutMs = deps.timeoutMs ?? 30_000;

  const unreachable = (owner: string, why: string, cause?: unknown): GatewayError =>
    new GatewayError('PROVIDER_UNREACHABLE', `${owner}’s gateway cannot be reached: ${why}`, {
      cause,
      details: { provider: owner },
    });

  async function directory(owner: string): Promise<DepartmentGateway> {
    try {
      return await deps.chaincode.evaluate<DepartmentGateway>(
        deps.reader,
        TX.governance.GetGateway,
        [owner],
      );
    } catch (err) {
      if ((err as { code?: string }).code !== 'GATEWAY_NOT_FOUND') throw err;
      throw unreachable(owner, 'it has published no gateway in the directory', err);
    }
  }

  async function signed(
    caller: Caller,
    owner: string,
    fields: Omit<ExchangeRequest, 'provider' | 'consumer' | 'nonce' | 'issuedAt'>,
  ) {
    return signRequest(
      {
        ...fields,
        provider: owner,
        consumer: { department: caller.department, user: caller.user },
        nonce: randomBytes(16).toString('hex'),
        issuedAt: new Date(deps.now()).toISOString(),
      },
      await deps.identity(caller),
    );
  }

  /** POSTs a signed request; answers the response once its status is 200, else throws. */
  async function post(owner: string, path: string, body: object): Promise<IncomingMessage> {
    const published = await directory(owner);
    const url = `${published.url.replace(/\/+$/, '')}/api/v1/exchange/${path}`;
    const payload = JSON.stringify(body);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(url, {
        method: 'POST',
        ca: published.tlsCertificate,
        cert: deps.tls.certificate,
        key: deps.tls.privateKey,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
        timeout: timeoutMs,
      });
      req.once('response', resolve);
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('error', (err: Error & { code?: string }) =>
        reject(unreachable(owner, `${err.code ?? ''} ${err.message}`.trim(), err)),
      );
      req.end(payload);
    });
    if (response.statusCode === 200) return response;
    const text = await bodyText(response).catch(() => '');
    let error: { code?: string; message?: string } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // Not our error shape: reported by status alone.
    }
    const code = error.code ?? `HTTP_${response.statusCode ?? 0}`;
    const message = error.message ?? text.slice(0, 200);
    // The provider's own words are kept apart too: a refused use is recorded with them.
    if (GRANT_REFUSED.has(code))
      throw new GatewayError(code as AnyErrorCode, `${owner}’s gateway refused: ${message}`, {
        status: 403,
        details: { provider: owner, message },
      });
    throw new GatewayError(
      'PROVIDER_REFUSED',
      `${owner}’s gateway refused with ${code}: ${message}`,
      {
        details: { provider: owner, code, status: response.statusCode, message },
      },
    );
  }

  /** Writes a delivery to `file`, hashing and counting; resolves to what arrived. */
  async function receive(
    response: IncomingMessage,
    file: string,
    algorithm: Delivery['digest']['algorithm'],
  ) {
    const hash = nodeHashes[algorithm].create();
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    response.setTimeout(timeoutMs, () =>
      response.destroy(new Error(`stalled for ${timeoutMs} ms`)),
    );
    await pipeline(response, count, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return { bytes, value: toHex(hash.digest()) };
  }

  return {
    async quote(caller, owner, use: RemoteUse) {
      const response = await post(
        owner,
        'quote',
        await signed(caller, owner, { kind: 'quote', ...use, usageId: null }),
      );
      const answer = JSON.parse(await bodyText(response)) as { data: Delivery };
      return { bytes: answer.data.bytes, digest: answer.data.digest };
    },

    async fetch(caller, owner, use, delivery) {
      const { usageId, blockNumber, ...rest } = use;
      const response = await post(
        owner,
        'deliveries',
        await signed(caller, owner, { kind: 'deliver', ...rest, usageId, blockNumber }),
      );
      const file = join(deps.incomingDir, `${usageId}-${randomBytes(6).toString('hex')}.part`);
      let got: { bytes: number; value: string };
      try {
        got = await receive(response, file, delivery.digest.algorithm);
      } catch (err) {
        await unlink(file).catch(() => undefined);
        throw new GatewayError(
          'DELIVERY_INCOMPLETE',
          `${owner}’s gateway broke off the delivery of use ${usageId}: ${(err as Error).message}; nothing was kept`,
          { cause: err, details: { provider: owner } },
        );
      }
      if (got.bytes !== delivery.bytes || got.value !== delivery.digest.value) {
        await unlink(file).catch(() => undefined);
        throw new GatewayError(
          got.bytes < delivery.bytes ? 'DELIVERY_INCOMPLETE' : 'DELIVERY_MISMATCH',
          `${owner}’s gateway delivered ${got.bytes} bytes with digest ${got.value}; use ${usageId} records ${delivery.bytes} bytes, ${delivery.digest.value}; nothing was kept`,
          { details: { provider: owner } },
        );
      }
      // Checked whole: handed on from the file, which goes once read (or abandoned).
      const stream: Readable = createReadStream(file);
      stream.once('close', () => void unlink(file).catch(() => undefined));
      return stream;
    },
  };
}
