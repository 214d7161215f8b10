/**
 * A one-ledger harness for chaincode tests: the compiled chaincode behind fabric-contract-api's
 * dispatch, the embedded transaction simulator, real department CAs and certificates, and
 * committed state in memory. Each successful submit commits as its own block, so reads in a
 * later call see it and reads within the call see only what was committed before.
 */
import type { ChaincodeInterface } from 'fabric-shim';
import { parseJson } from '@shulian/chaincode/canonical';
import { loadChaincode, type ChaincodeSource } from './chaincode.js';
import { fromBase64 } from './crypto.js';
import { CertificateAuthority, type NodeOU, type SigningIdentity } from './identity.js';
import { proposalFor, type CallOptions } from './proposal.js';

export type { CallOptions };
import { MemoryState, txUpdates, type StateReader } from './state.js';
import { simulate } from './stub.js';

export interface HarnessOptions extends ChaincodeSource {
  channel?: string;
  chaincode?: string;
}

export interface HarnessResult {
  status: number;
  message: string;
  /** The chaincode's return value as UTF-8 text. */
  payload: string;
  /** The chaincode event; its payload parsed as JSON when it is JSON, else the UTF-8 text. */
  event: { name: string; payload: unknown } | null;
  txId: string;
}

export interface ChaincodeHarness {
  /** An identity issued by the MSP's CA (one CA per MSP, created on first use). */
  identity(
    mspId: string,
    name: string,
    ou?: NodeOU,
    attrs?: Record<string, string>,
  ): Promise<SigningIdentity>;
  submit(
    identity: SigningIdentity,
    fcn: string,
    args?: string[],
    options?: CallOptions,
  ): Promise<HarnessResult>;
  evaluate(
    identity: SigningIdentity,
    fcn: string,
    args?: string[],
    options?: CallOptions,
  ): Promise<HarnessResult>;
  /** Committed state, for assertions. */
  readonly state: StateReader;
  /** Number of committed transactions (each is its own block). */
  readonly height: number;
}

function decodeEventPayload(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

export async function createChaincodeHarness(
  options: HarnessOptions = {},
): Promise<ChaincodeHarness> {
  const chaincode: ChaincodeInterface = await loadChaincode(options);
  const channel = options.channel ?? 'shulian';
  const chaincodeName = options.chaincode ?? 'shulian';
  const state = new MemoryState();
  const cas = new Map<string, Promise<CertificateAuthority>>();
  let height = 0;

  const run = async (
    identity: SigningIdentity,
    fcn: string,
    args: string[],
    opts: CallOptions,
    commit: boolean,
  ): Promise<HarnessResult> => {
    const transient = opts.transient ?? {};
    const { proposal, clientSignature } = proposalFor(
      identity,
      { channel, chaincode: chaincodeName },
      fcn,
      args,
      opts,
    );
    const result = await simulate(chaincode, state, proposal, clientSignature, transient);
    const { response, event } = result;
    if (commit && response.status === 200) {
      const version = { block: height, tx: 0 };
      state.apply(
        await txUpdates(result.rwset, version, proposal.txId, proposal.timestamp, (key) =>
          state.get(key),
        ),
      );
      height += 1;
    }
    return {
      status: response.status,
      message: response.message,
      payload: fromBase64(response.payload).toString('utf8'),
      event: event
        ? { name: event.name, payload: decodeEventPayload(fromBase64(event.payload)) }
        : null,
      txId: proposal.txId,
    };
  };

  return {
    async identity(mspId, name, ou = 'client', attrs = {}) {
      let ca = cas.get(mspId);
      if (!ca) {
        ca = CertificateAuthority.create(mspId);
        cas.set(mspId, ca);
      }
      return (await ca).issue(name, ou, attrs);
    },
    submit: (identity, fcn, args = [], opts = {}) => run(identity, fcn, args, opts, true),
    evaluate: (identity, fcn, args = [], opts = {}) => run(identity, fcn, args, opts, false),
    state,
    get height() {
      return height;
    },
  };
}
