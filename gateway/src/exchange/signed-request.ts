/**
 * Signed requests between departments' gateways (gateway-to-gateway exchange, #15).
 *
 * A consumer's gateway asks a provider's gateway for a dataset version on behalf of one of its
 * users. The provider holds no key of the consumer's department, so it cannot ask the ledger who
 * the user is; what it has is the channel's MSP: every member department's CA certificate (the
 * trust file). The request is therefore signed with the user's own Fabric identity (the key and
 * certificate its department's CA issued, the same that signs the user's transactions), and the
 * provider checks, in this order: the certificate was issued by the named department's CA and is
 * valid now, it names the user, the signature covers the request's canonical JSON, the request is
 * addressed to this provider, it was issued within the time window, and its nonce was not seen
 * within that window (the nonce book, kept on disk across restarts: nonce-book.ts). A nonce is
 * remembered only once the signature holds, so nobody can spend another user's nonces.
 *
 * The transport's mutual TLS is a second, separate check (the calling gateway's TLS certificate
 * against the directory entry its department published on chain): `checkPeerCertificate`.
 */
import { sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@shulian/chaincode/canonical';
import type { Purpose } from '@shulian/chaincode/constants';
import { certIssuedBy } from '@shulian/proof/node';
import { GatewayError } from '../errors.js';
import type { NonceBook } from './nonce-book.js';

/** What a consumer's gateway asks: a quote (what would be delivered) or the delivery of a use. */
export interface ExchangeRequest {
  kind: 'quote' | 'deliver';
  /** The department whose gateway is asked (a request for another gateway is refused). */
  provider: string;
  /** The user the request is signed by: their department (= MSP id) and name (the certificate's CN). */
  consumer: { department: string; user: string };
  catalogId: string;
  version: number;
  grantId: string | null;
  /** The fields the use is for, as the consumer's ledger check resolved them. */
  fields: string[] | null;
  purpose: Purpose | null;
  /** For a delivery: the committed usage record it is delivered under. */
  usageId: string | null;
  /**
   * For a delivery: the block the use was committed in, which the provider waits for its own
   * ledger to reach before it reads the use. Absent from a quote, and from deliveries of
   * gateways that predate it (provider.ts).
   */
  blockNumber?: number;
  /** 128 random bits, hex: one request, one nonce. */
  nonce: string;
  /** When the consumer's gateway signed it (ISO 8601); refused outside the time window. */
  issuedAt: string;
}

export interface SignedRequest {
  request: ExchangeRequest;
  /** The user's certificate, PEM, as its department's CA issued it. */
  certificate: string;
  /** ECDSA (DER, base64) over SHA-256 of the request's canonical JSON. */
  signature: string;
}

/** The signing material of a user (the ledger's identities have this shape on both engines). */
export interface RequestSigner {
  certificate: string;
  privateKey: KeyObject;
}

/** How far a request's time may be from the provider's clock, either way. */
export const EXCHANGE_WINDOW_MS = 5 * 60_000;

const bytesOf = (request: ExchangeRequest): Buffer => Buffer.from(canonicalJson(request), 'utf8');

export function signRequest(request: ExchangeRequest, signer: RequestSigner): SignedRequest {
  return {
    request,
    certificate: signer.certificate,
    signature: sign('sha256', bytesOf(request), signer.privateKey).toString('base64'),
  };
}

export interface VerifyOptions {
  /** The channel members' CA certificates by department (MSP id): the trust file's. */
  members: Readonly<Record<string, { caCertificate: string }>>;
  /** This gateway's department: requests addressed elsewhere are refused. */
  provider: string;
  now: number;
  nonces: NonceBook;
  windowMs?: number;
}

const invalid = (message: string): GatewayError =>
  new GatewayError('EXCHANGE_SIGNATURE_INVALID', message);

/** The RDN value of a certificate subject (`C=CN\nO=psb\nOU=client\nCN=alice`). */
const rdn = (subject: string, key: string): string | undefined =>
  new RegExp(`(?:^|\\n)${key}=([^\\n]*)`).exec(subject)?.[1];

/** Whether `cert` is valid at `now` (the CA's signature is certIssuedBy's, cached). */
const validAt = (cert: X509Certificate, now: number): boolean =>
  Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);

/**
 * Checks a signed request; answers who signed it. Throws EXCHANGE_UNKNOWN_MSP for a department
 * that is not a channel member, EXCHANGE_SIGNATURE_INVALID for a certificate its CA did not
 * issue, a signature that does not cover the request, or a request for another provider,
 * EXCHANGE_REQUEST_EXPIRED outside the window and EXCHANGE_REQUEST_REPLAYED for a nonce seen.
 * Resolves once the nonce is on disk: the request may be served then.
 */
export async function verifySignedRequest(
  signed: SignedRequest,
  options: VerifyOptions,
): Promise<{ department: string; user: string }> {
  const { request } = signed;
  const { department, user } = request.consumer;
  const member = options.members[department];
  if (!member)
    throw new GatewayError(
      'EXCHANGE_UNKNOWN_MSP',
      `${department} is not a member of this channel: no CA certificate to check its users against`,
    );
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(signed.certificate);
  } catch {
    throw invalid('the request’s certificate is not a PEM X.509 certificate');
  }
  // The chain check is cached per (certificate, CA): the same users sign request after request.
  if (!certIssuedBy(signed.certificate, member.caCertificate) || !validAt(cert, options.now))
    throw invalid(`the certificate was not issued by ${department}’s CA, or is not valid now`);
  if (rdn(cert.subject, 'O') !== department || rdn(cert.subject, 'CN') !== user)
    throw invalid(
      `the certificate names ${cert.subject.replaceAll('\n', ', ')}, not ${user} of ${department}`,
    );
  let good = false;
  try {
    good = verify(
      'sha256',
      bytesOf(request),
      cert.publicKey,
      Buffer.from(signed.signature, 'base64'),
    );
  } catch {
    good = false;
  }
  if (!good) throw invalid('the signature does not cover this request (altered, or another key)');
  if (request.provider !== options.provider)
    throw invalid(
      `the request is addressed to ${request.provider}’s gateway, not ${options.provider}’s`,
    );
  const window = options.windowMs ?? EXCHANGE_WINDOW_MS;
  const issued = Date.parse(request.issuedAt);
  if (!Number.isFinite(issued) || Math.abs(options.now - issued) > window)
    throw new GatewayError(
      'EXCHANGE_REQUEST_EXPIRED',
      `the request was signed at ${request.issuedAt}, outside ${window / 1000} s of this gateway’s clock`,
    );
  if (!(await options.nonces.remember(request.nonce, issued + window, options.now)))
    throw new GatewayError(
      'EXCHANGE_REQUEST_REPLAYED',
      `nonce ${request.nonce} was already used: a signed request is answered once`,
    );
  return { department, user };
}

/**
 * Mutual TLS: the calling gateway's certificate must be the one its department published in the
 * directory, or be issued by it (a department may publish its TLS CA and renew its gateway's
 * certificate without a new publication).
 */
export function checkPeerCertificate(
  peer: X509Certificate | null,
  published: string,
  now: number,
): void {
  if (!peer)
    throw new GatewayError(
      'EXCHANGE_SIGNATURE_INVALID',
      'the calling gateway presented no TLS certificate',
    );
  const pinned = new X509Certificate(published);
  if (
    peer.fingerprint256 === pinned.fingerprint256 ||
    (certIssuedBy(peer.toString(), published) && validAt(peer, now))
  )
    return;
  throw new GatewayError(
    'EXCHANGE_SIGNATURE_INVALID',
    'the calling gateway’s TLS certificate is not the one its department published in the directory',
  );
}
