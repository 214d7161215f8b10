/**
 * Client side of a transaction: a signed proposal with a fresh nonce and Fabric's transaction
 * id derivation, so a transaction id commits to its creator and cannot be chosen by anyone else.
 */
import { randomBytes } from 'node:crypto';
import { FORMAT_VERSION, type Proposal } from '@shulian/proof/formats/embedded';
import { isUtf8Text, sha256HexOf } from './crypto.js';
import { LedgerError } from './errors.js';
import { signerRef, signWith, type SigningIdentity } from './identity.js';
import { seal } from './sealed.js';

/** Per-call options of a submit or evaluate. */
export interface CallOptions {
  /** Private inputs the chaincode may read; only their names reach the proposal. */
  transient?: Record<string, Uint8Array>;
  /** Transaction time, ms since the epoch; defaults to now. */
  timestamp?: number;
}

export interface ProposalInput {
  channel: string;
  chaincode: string;
  fcn: string;
  args: string[];
  transientKeys?: string[];
  /** ms since the epoch; defaults to now. */
  timestamp?: number;
}

/** hex(sha256(nonce || creator certificate)), as Fabric derives transaction ids. */
export function txIdFor(nonceBase64: string, certificate: string): string {
  return sha256HexOf(Buffer.from(nonceBase64, 'base64'), certificate);
}

/**
 * The chaincode receives the transaction name and arguments as UTF-8 bytes while the signed
 * proposal keeps the strings, so a non-string or a lone surrogate (which UTF-8 replaces with
 * U+FFFD) would make the chaincode run something other than what the creator signed. The client
 * refuses such a call, and every node refuses such a proposal, since a client may skip the check.
 */
export function checkCall(fcn: unknown, args: unknown): void {
  const bad = (what: string): LedgerError =>
    new LedgerError('INVALID_ARGUMENT', `${what} must be a string of well-formed Unicode`);
  if (typeof fcn !== 'string' || !isUtf8Text(fcn)) throw bad('the transaction name');
  if (!Array.isArray(args)) throw new LedgerError('INVALID_ARGUMENT', 'args must be an array');
  args.forEach((arg: unknown, i) => {
    if (typeof arg !== 'string' || !isUtf8Text(arg)) throw bad(`argument ${i}`);
  });
}

export function createProposal(
  creator: SigningIdentity,
  input: ProposalInput,
): { proposal: Proposal; clientSignature: string } {
  checkCall(input.fcn, input.args);
  const nonce = randomBytes(24).toString('base64');
  const proposal: Proposal = {
    version: FORMAT_VERSION,
    channel: input.channel,
    chaincode: input.chaincode,
    fcn: input.fcn,
    // A copy: signing seals (freezes) the proposal, and the caller's array stays the caller's.
    args: [...input.args],
    transientKeys: [...(input.transientKeys ?? [])].sort(),
    txId: txIdFor(nonce, creator.certificate),
    nonce,
    timestamp: input.timestamp ?? Date.now(),
    creator: signerRef(creator),
  };
  // Sealed: what the client signed cannot change, and endorsers, orderer and nodes reuse its bytes.
  return { proposal, clientSignature: signWith(creator, seal(proposal)) };
}

/** A proposal for calling `fcn` on a channel's chaincode with the call's options. */
export function proposalFor(
  creator: SigningIdentity,
  target: { channel: string; chaincode: string },
  fcn: string,
  args: string[],
  options: CallOptions,
): { proposal: Proposal; clientSignature: string } {
  return createProposal(creator, {
    ...target,
    fcn,
    args,
    transientKeys: Object.keys(options.transient ?? {}),
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}
