/**
 * Loads chaincode the way `fabric-chaincode-node start` does: fabric-shim's contract bootstrap
 * reads the package's `contracts` (and META-INF metadata) and wraps them in ChaincodeFromContract,
 * so every call goes through fabric-contract-api's own dispatch, parameter marshalling and hooks.
 */
import './shim-logging.js';
import './shim-certificates.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ChaincodeInterface } from 'fabric-shim';

const require = createRequire(import.meta.url);

/** A fabric-contract-api Contract subclass. */
export type ContractClass = new () => object;

interface Serializers {
  transaction: string;
  serializers: Record<string, unknown>;
}
interface ContractInfo {
  contracts: ContractClass[];
  serializers: Serializers;
  title: string;
  version: string;
}
interface BootstrapModule {
  getInfoFromContract(modulePath: string): ContractInfo;
  getMetadata(modulePath: string): Promise<Record<string, unknown>>;
}
type ChaincodeFromContract = new (
  contracts: ContractClass[],
  serializers: Serializers,
  metadata: Record<string, unknown>,
  title: string,
  version: string,
) => ChaincodeInterface;

export interface ChaincodeSource {
  /** Contract classes to run instead of a package (tests); dispatched exactly as a package's. */
  contracts?: ContractClass[];
  /** Directory of a chaincode package; defaults to @shulian/chaincode. */
  modulePath?: string;
}

export const defaultChaincodePath = (): string =>
  path.dirname(require.resolve('@shulian/chaincode/package.json'));

export async function loadChaincode(source: ChaincodeSource = {}): Promise<ChaincodeInterface> {
  const Bootstrap = require('fabric-shim/lib/contract-spi/bootstrap.js') as BootstrapModule;
  const FromContract =
    require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContract;
  if (source.contracts) {
    const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
    const serializers = {
      transaction: 'jsonSerializer',
      serializers: { jsonSerializer: JSONSerializer },
    };
    // ChaincodeFromContract appends its system contract to the array it is given.
    return new FromContract([...source.contracts], serializers, {}, 'test', '0.0.0');
  }
  const modulePath = source.modulePath ?? defaultChaincodePath();
  const info = Bootstrap.getInfoFromContract(modulePath);
  const metadata = await Bootstrap.getMetadata(modulePath);
  return new FromContract(
    [...info.contracts],
    info.serializers,
    metadata,
    info.title,
    info.version,
  );
}
