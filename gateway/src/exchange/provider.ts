/**
 * The provider's side of gateway-to-gateway exchange (#15): another department's gateway asks
 * this one, on behalf of one of its users, what a use of a version would deliver (a quote), then,
 * once that use is committed on chain, for the bytes (a delivery).
 *
 * Who asks: the user's signed request, checked against the channel's MSP (signed-request.ts), over
 * mutual TLS whose client certificate must be the one the user's department published in the
 * on-chain directory. What may be served: only under a committed ALLOWED usage record of that
 * user, for that version, naming the grant; the grant is read again at delivery, so a grant
 * revoked or expired between the request and the delivery is refused here. The bytes are the
 * dataset service's (projected to the use's fields, checked against the recorded delivery as they
 * go out), each use delivered once.
 *
 * The use itself is recorded by the consumer's gateway, as its user, through its own peer: this
 * gateway holds no key of another department (key custody), and a usage record must be the
 * consumer's own signed transaction, which Fabric's MSP validates on every peer.
 */
import type { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  TX,
  type DepartmentGateway,
  type Grant,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { GatewayError, type AnyErrorCode } from '../errors.js';
import type { Caller, LedgerClient } from '../ledger/types.js';
import type { Chaincode } from '../services/chaincode.js';
import type { Datasets, Served } from '../services/datasets.js';
import type { NonceBook } from './nonce-book.js';
import { checkPeerCertificate, verifySignedRequest, type SignedRequest } from './signed-request.js';

/** How long a delivery waits for this department's peer to receive the use's block (a second or so). */
export const USE_CATCH_UP_MS = 5_000;

export interface ExchangeProvider {
  quote(signed: SignedRequest, peer: X509Certificate | null): Promise<Quote>;
  deliver(
    signed: SignedRequest,
    peer: X509Certificate | null,
  ): Promise<Served & { usage: UsageRecord }>;
}

export type Quote = Omit<Served, 'stream'>;

export interface ProviderDeps {
  chaincode: Chaincode;
  /** Waited on to reach the block a delivery's use was committed in. */
  ledger: Pick<LedgerClient, 'waitForHeight'>;
  datasets: Datasets;
  /** The channel members' CA certificates (the trust file's departments). */
  members: Readonly<Record<string, { caCertificate: string }>>;
  /** This gateway's department and the identity it reads the ledger as. */
  reader: Caller;
  /** The nonces answered within the time window, on disk (a restart still refuses a replay). */
  nonces: NonceBook;
  now(): number;
}

/** A refusal of a use, answered 403 whatever its code, as the download route answers denials. */
const refuse = (code: AnyErrorCode, message: string): GatewayError =>
  new GatewayError(code, message, { status: 403 });

/**
 * The use the consumer's gateway has just committed. Its block reaches this department's peer a
 * moment after the consumer's (on Fabric each peer commits on its own), so the delivery waits,
 * up to USE_CATCH_UP_MS, for this department's ledger to hold the block the request names
 * (USE_BLOCK_NOT_REACHED past it), then reads the use once: not found there is USAGE_NOT_FOUND.
 *
 * A consumer gateway that predates the block number sends none; its use is read again for up to
 * the same bound before USAGE_NOT_FOUND. Refusing it instead would break exchange between
 * departments for as long as their gateways are upgraded at different times (each department
 * runs its own), and the fallback is as bounded as the wait.
 */
async function committedUse(
  { chaincode, ledger, reader }: ProviderDeps,
  usageId: string,
  blockNumber: number | undefined,
): Promise<UsageRecord> {
  if (blockNumber !== undefined) {
    try {
      await ledger.waitForHeight(reader.department, blockNumber + 1, USE_CATCH_UP_MS);
    } catch (err) {
      if ((err as { code?: string }).code !== 'NODE_BEHIND') throw err;
      throw new GatewayError(
        'USE_BLOCK_NOT_REACHED',
        `${reader.department}’s ledger has not reached block ${blockNumber}, which use ${usageId} was committed in, within ${USE_CATCH_UP_MS / 1000} s: ask again shortly`,
        { cause: err, details: { blockNumber } },
      );
    }
    return chaincode.evaluate<UsageRecord>(reader, TX.usage.GetUse, [usageId]);
  }
  const until = Date.now() + USE_CATCH_UP_MS;
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await chaincode.evaluate<UsageRecord>(reader, TX.usage.GetUse, [usageId]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'USAGE_NOT_FOUND' || Date.now() >= until) throw err;
    }
    await sleep(wait);
  }
}

export function createExchangeProvider(deps: ProviderDeps): ExchangeProvider {
  const { chaincode, reader, nonces } = deps;

  /** The signer, once its signature, its addressee, its time and nonce and its TLS pin hold. */
  async function authenticate(
    signed: SignedRequest,
    peer: X509Certificate | null,
    kind: SignedRequest['request']['kind'],
  ): Promise<Caller> {
    const now = deps.now();
    const consumer = await verifySignedRequest(signed, {
      members: deps.members,
      provider: reader.department,
      now,
      nonces,
    });
    if (signed.request.kind !== kind)
      throw new GatewayError(
        'EXCHANGE_SIGNATURE_INVALID',
        `a ${signed.request.kind} request was sent where a ${kind} is answered`,
      );
    let published: DepartmentGateway;
    try {
      published = await chaincode.evaluate<DepartmentGateway>(reader, TX.governance.GetGateway, [
        consumer.department,
      ]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'GATEWAY_NOT_FOUND') throw err;
      throw new GatewayError(
        'EXCHANGE_SIGNATURE_INVALID',
        `${consumer.department} has published no gateway in the directory: its TLS certificate is unknown`,
      );
    }
    checkPeerCertificate(peer, published.tlsCertificate, now);
    return consumer;
  }

  /**
   * The grant as the provider reads it now: held by the consumer's department, for this entry,
   * live, covering the fields. The consumer's ledger check judged the same rules when the use was
   * recorded; reading them again here is what refuses a grant revoked or expired since.
   */
  async function liveGrant(
    grantId: string | null,
    consumer: Caller,
    catalogId: string,
    fields: readonly string[],
  ): Promise<Grant> {
    if (grantId === null)
      throw refuse('GRANT_NOT_FOUND', 'another department’s gateway is served under a grant only');
    let grant: Grant;
    try {
      grant = await chaincode.evaluate<Grant>(reader, TX.sharing.GetGrant, [grantId]);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'GRANT_NOT_FOUND' || code === 'FORBIDDEN_DEPARTMENT')
        throw refuse('GRANT_NOT_FOUND', `grant ${grantId} is not one of ${reader.department}’s`);
      throw err;
    }
    const now = deps.now();
    if (grant.catalogId !== catalogId)
      throw refuse(
        'GRANT_CATALOG_MISMATCH',
        `grant ${grant.id} covers ${grant.catalogId}, not ${catalogId}`,
      );
    if (grant.consumer !== consumer.department)
      throw refuse('GRANT_NOT_HOLDER', `grant ${grant.id} was issued to ${grant.consumer}`);
    if (grant.revocation)
      throw refuse('GRANT_REVOKED', `grant ${grant.id} was revoked: ${grant.revocation.reason}`);
    if (now < Date.parse(grant.validFrom))
      throw refuse('GRANT_NOT_YET_VALID', `grant ${grant.id} is valid from ${grant.validFrom}`);
    if (now > Date.parse(grant.validTo))
      throw refuse('GRANT_EXPIRED', `grant ${grant.id} expired at ${grant.validTo}`);
    const outside = fields.filter((f) => !grant.fields.includes(f));
    if (outside.length > 0)
      throw refuse(
        'FIELDS_NOT_GRANTED',
        `fields ${outside.join(', ')} are not granted by ${grant.id}`,
      );
    return grant;
  }

  return {
    async quote(signed, peer) {
      const consumer = await authenticate(signed, peer, 'quote');
      const { request } = signed;
      if (request.blockNumber !== undefined)
        throw new GatewayError(
          'BAD_REQUEST',
          'a quote names no block: blockNumber is the committed use’s, in a delivery',
        );
      const grant = await liveGrant(
        request.grantId,
        consumer,
        request.catalogId,
        request.fields ?? [],
      );
      return deps.datasets.quote(
        reader,
        request.catalogId,
        request.version,
        request.fields ?? grant.fields,
      );
    },

    async deliver(signed, peer) {
      const consumer = await authenticate(signed, peer, 'deliver');
      const { request } = signed;
      if (request.usageId === null)
        throw new GatewayError('BAD_REQUEST', 'a delivery names the committed use it is for');
      let usage: UsageRecord;
      try {
        usage = await committedUse(deps, request.usageId, request.blockNumber);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'FORBIDDEN_DEPARTMENT')
          throw new GatewayError(
            'USAGE_NOT_FOUND',
            `use ${request.usageId} is not one of ${reader.department}’s`,
          );
        throw err;
      }
      // Nothing is served without a committed ALLOWED use of this very user and version.
      const mismatch =
        usage.outcome !== 'ALLOWED'
          ? `use ${usage.id} was ${usage.outcome} (${usage.denialCode ?? ''})`
          : usage.consumer.department !== consumer.department ||
              usage.consumer.user !== consumer.user
            ? `use ${usage.id} is ${usage.consumer.user} of ${usage.consumer.department}’s, not the signer’s`
            : usage.provider !== reader.department
              ? `use ${usage.id} is of ${usage.provider}’s data`
              : usage.action !== 'download' ||
                  usage.catalogId !== request.catalogId ||
                  usage.datasetVersion !== request.version ||
                  usage.grantId !== request.grantId
                ? `use ${usage.id} is not a download of ${request.catalogId} version ${request.version} under ${request.grantId ?? 'no grant'}`
                : null;
      if (mismatch) throw refuse('FORBIDDEN', mismatch);
      await liveGrant(usage.grantId, consumer, usage.catalogId, usage.fields);
      return { ...(await deps.datasets.serve(reader, usage)), usage };
    },
  };
}
