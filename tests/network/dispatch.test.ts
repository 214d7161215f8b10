/**
 * With fabric-shim's loggers silenced, the embedded network dispatches through
 * ChaincodeFromContract's invokeFunctionality without its two debug messages (#18,
 * network/embedded/chaincode.ts). Every call here goes through both fabric-shim's own dispatch and
 * that one, on the same proposal and state: responses, read-write sets and events must be equal,
 * for successes, void and object results (a result's toJSON runs as often), failures in the
 * transaction, unknown transactions and contracts, wrong arguments and a thrown symbol.
 */
// First, as in the engine: fabric-shim's loggers are silenced before anything loads them.
import '../../network/embedded/shim-logging.js';
import { createRequire } from 'node:module';
import { Contract, type Context } from 'fabric-contract-api';
import type { ChaincodeInterface } from 'fabric-shim';
import { beforeAll, describe, expect, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import { defaultChaincodePath, loadChaincode } from '../../network/embedded/chaincode.js';
import { initLedgerConfig, loadNetworkConfig } from '../../network/embedded/config.js';
import { CertificateAuthority, type SigningIdentity } from '../../network/embedded/identity.js';
import { proposalFor } from '../../network/embedded/proposal.js';
import { MemoryState, txUpdates } from '../../network/embedded/state.js';
import { simulate, type SimulationResult } from '../../network/embedded/stub.js';
import { TestContract } from './fixtures/test-contract.js';

const require = createRequire(import.meta.url);
type FromContract = new (
  contracts: unknown[],
  serializers: unknown,
  metadata: Record<string, unknown>,
  title: string,
  version: string,
) => ChaincodeInterface;
const ShimFromContract =
  require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as FromContract;
const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
const Bootstrap = require('fabric-shim/lib/contract-spi/bootstrap.js') as {
  getInfoFromContract(path: string): {
    contracts: unknown[];
    serializers: unknown;
    title: string;
    version: string;
  };
  getMetadata(path: string): Promise<Record<string, unknown>>;
};

let toJsonCalls = 0;

/** Results the test contract does not return: objects, and a symbol thrown. */
class ResultContract extends Contract {
  constructor() {
    super('result');
  }

  async Counted(_ctx: Context): Promise<object> {
    return Promise.resolve({
      toJSON: () => {
        toJsonCalls += 1;
        return { calls: toJsonCalls };
      },
    });
  }

  async Plain(_ctx: Context, n: string): Promise<object> {
    return Promise.resolve({ n: Number(n), list: [1, 'two'] });
  }

  ThrowSymbol(_ctx: Context): void {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a chaincode may do
    throw Symbol('not an error');
  }
}

/** Runs each call through both dispatches and expects the same outcome; commits successes. */
async function compare(
  quiet: ChaincodeInterface,
  shim: ChaincodeInterface,
  who: SigningIdentity,
  calls: [string, string[]][],
): Promise<SimulationResult[]> {
  const state = new MemoryState();
  const results: SimulationResult[] = [];
  for (const [block, [fcn, args]] of calls.entries()) {
    const { proposal, clientSignature } = proposalFor(
      who,
      { channel: 'shulian', chaincode: 'shulian' },
      fcn,
      args,
      { timestamp: Date.parse('2026-02-13T02:00:00Z') },
    );
    toJsonCalls = 0;
    const theirs = await simulate(shim, state, proposal, clientSignature);
    const shimToJson = toJsonCalls;
    toJsonCalls = 0;
    const ours = await simulate(quiet, state, proposal, clientSignature);
    expect(ours, fcn).toEqual(theirs);
    expect(toJsonCalls, fcn).toBe(shimToJson);
    results.push(ours);
    if (ours.response.status === 200)
      state.apply(
        await txUpdates(ours.rwset, { block, tx: 0 }, proposal.txId, proposal.timestamp, (key) =>
          state.get(key),
        ),
      );
  }
  return results;
}

describe("dispatch without fabric-shim's debug messages", () => {
  let alice: SigningIdentity;
  beforeAll(async () => {
    alice = await (await CertificateAuthority.create('coord')).issue('alice', 'admin', {});
  });

  it('answers every call of a contract as fabric-shim does', async () => {
    const contracts = [TestContract, ResultContract];
    const quiet = await loadChaincode({ contracts });
    const serializers = {
      transaction: 'jsonSerializer',
      serializers: { jsonSerializer: JSONSerializer },
    };
    const shim = new ShimFromContract([...contracts], serializers, {}, 'test', '0.0.0');
    expect(Object.getPrototypeOf(quiet)).not.toBe(ShimFromContract.prototype);
    const results = await compare(quiet, shim, alice, [
      ['test:Put', ['k', 'v']],
      ['test:Get', ['k']],
      ['test:PutThenGet', ['k', 'w']],
      ['test:Del', ['k']],
      ['test:Range', ['a', 'z']],
      ['test:Fail', ['refused']],
      ['test:Put', ['only one argument']],
      ['test:NoSuchTransaction', []],
      ['nosuchcontract:Put', ['k', 'v']],
      ['result:Counted', []],
      ['result:Plain', ['7']],
      ['result:ThrowSymbol', []],
      ['', []],
    ]);
    // The cases are what they say: successes, a void result, failures.
    expect(results.map((r) => r.response.status)).toEqual([
      200, 200, 200, 200, 200, 500, 500, 500, 500, 200, 200, 500, 500,
    ]);
    expect(results[11]?.response.message).toMatch(/Symbol/);
  });

  it('answers the chaincode package as fabric-shim does', async () => {
    const quiet = await loadChaincode();
    const path = defaultChaincodePath();
    const info = Bootstrap.getInfoFromContract(path);
    const metadata = await Bootstrap.getMetadata(path);
    const shim = new ShimFromContract(
      [...info.contracts],
      info.serializers,
      metadata,
      info.title,
      info.version,
    );
    const config = await loadNetworkConfig();
    const coordAdmin = await (
      await CertificateAuthority.create(config.coordinator)
    ).issue('admin', 'admin', {});
    const results = await compare(quiet, shim, coordAdmin, [
      [TX.governance.InitLedger, [JSON.stringify(initLedgerConfig(config))]],
      [TX.governance.InitLedger, [JSON.stringify(initLedgerConfig(config))]],
      [TX.governance.InitLedger, ['not json']],
      [TX.catalog.CreateEntry, ['{}']],
      ['governance:NoSuchTransaction', []],
      ['org.hyperledger.fabric:GetMetadata', []],
    ]);
    expect(results.map((r) => r.response.status)).toEqual([200, 500, 500, 500, 500, 200]);
  });
});
