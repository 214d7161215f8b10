/**
 * Loads chaincode the way `fabric-chaincode-node start` does: fabric-shim's contract bootstrap
 * reads the package's `contracts` (and META-INF metadata) and wraps them in ChaincodeFromContract,
 * so every call goes through fabric-contract-api's own dispatch, parameter marshalling and hooks.
 */
import { shimLoggingSilenced } from './shim-logging.js';
import './shim-certificates.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ChaincodeInterface, ChaincodeResponse, ChaincodeStub } from 'fabric-shim';

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

/** What ChaincodeFromContract's dispatch uses of itself, of a contract and of fabric-shim. */
interface TransactionMetadata {
  name: string;
  returns?: { schema?: unknown };
}
interface ContractContext {
  setChaincodeStub(stub: ChaincodeStub): void;
  setClientIdentity(identity: object): void;
  logging: unknown;
}
interface ContractImplementation {
  contractInstance: {
    createContext(): ContractContext;
    beforeTransaction(ctx: ContractContext): Promise<void>;
    aroundTransaction(ctx: ContractContext, fn: string, parameters: unknown[]): Promise<unknown>;
    afterTransaction(ctx: ContractContext, result: unknown): Promise<void>;
    unknownTransaction(ctx: ContractContext): Promise<void>;
  };
  dataMarshall: {
    handleParameters(fn: TransactionMetadata, args: Buffer[], loggerPrefix: string): unknown[];
    toWireBuffer(result: unknown, schema: unknown, loggerPrefix: string): Buffer;
  };
}
interface Dispatch {
  contractImplementations: Record<string, ContractImplementation | undefined>;
  metadata: { contracts: Record<string, { transactions: TransactionMetadata[] }> };
  _splitFunctionName(fcn: string): { contractName: string; function: string };
}
interface ShimModule {
  ClientIdentity: new (stub: ChaincodeStub) => object;
  success(payload?: Buffer): ChaincodeResponse;
  error(message: string): ChaincodeResponse;
}
interface DispatchStub {
  getBufferArgs(): Buffer[];
  getTxID(): string;
  getChannelID(): string;
}
interface ShimLogger {
  setLevel: unknown;
  getLogger(name: string): unknown;
}

/**
 * ChaincodeFromContract whose dispatch builds no debug messages. fabric-shim's
 * invokeFunctionality writes the called transaction's metadata and its result as JSON for two
 * debug messages on every invocation, whatever the log level (#18: the two lines were 9 us per
 * committed transaction of its self time in a profile of bench:ledger). With the shim's loggers
 * silenced (./shim-logging.ts) every logger call is a no-op, and this is that function (fabric-shim
 * 2.5.8) without them: the same steps in the same order, the same context, identity and logging,
 * marshalling, hooks, responses and error messages. Building the messages has no effect of its
 * own: the metadata is plain JSON, and a result that is not a string (whose JSON could run a
 * toJSON or throw) is still written as JSON first. tests/network/dispatch.test.ts holds its
 * responses and read-write sets equal to fabric-shim's own. When an operator sets
 * CORE_CHAINCODE_LOGGING_LEVEL, fabric-shim's own dispatch runs and logs.
 */
function withoutDebugMessages(FromContract: ChaincodeFromContract): ChaincodeFromContract {
  const shim = require('fabric-shim/lib/chaincode.js') as ShimModule;
  const Logger = require('fabric-shim/lib/logger.js') as ShimLogger;
  const { generateLoggingPrefix } = require('fabric-shim/lib/utils/utils.js') as {
    generateLoggingPrefix(this: void, channelId: string, txId: string): string;
  };
  // Taken once, as chaincodefromcontract.js takes it when it loads (after ./shim-certificates.js).
  const { ClientIdentity } = shim;
  const Base = FromContract as unknown as new (...args: unknown[]) => object;
  class Quiet extends Base {
    async invokeFunctionality(stub: ChaincodeStub): Promise<ChaincodeResponse> {
      const self = this as unknown as Dispatch;
      const call = stub as unknown as DispatchStub;
      const bufferArgs = call.getBufferArgs();
      if (!bufferArgs || bufferArgs.length < 1)
        return shim.success(Buffer.from('Default initiator successful.'));
      const fAndP = (bufferArgs[0] as Buffer).toString();
      const txArgs = bufferArgs.slice(1);
      const txId = call.getTxID();
      const loggerPrefix = generateLoggingPrefix(call.getChannelID(), txId);
      try {
        const { contractName: cn, function: fn } = self._splitFunctionName(fAndP);
        const contractData = self.contractImplementations[cn];
        if (!contractData) throw new Error(`Contract name is not known: ${cn}`);
        const transactionDescriptor = self.metadata.contracts[cn] as {
          transactions: TransactionMetadata[];
        };
        const { contractInstance, dataMarshall } = contractData;
        const ctx = contractInstance.createContext();
        ctx.setChaincodeStub(stub);
        ctx.setClientIdentity(new ClientIdentity(stub));
        ctx.logging = {
          setLevel: Logger.setLevel,
          getLogger: (name?: string) => Logger.getLogger(name ? `${cn}:${name}` : cn),
        };
        const functionExists = transactionDescriptor.transactions.find(
          (transaction) => transaction.name === fn,
        );
        if (functionExists) {
          const parameters = dataMarshall.handleParameters(functionExists, txArgs, loggerPrefix);
          await contractInstance.beforeTransaction(ctx);
          const result = await contractInstance.aroundTransaction(ctx, fn, parameters);
          await contractInstance.afterTransaction(ctx, result);
          if (typeof result !== 'string') JSON.stringify(result);
          const schema = functionExists.returns ? functionExists.returns.schema : undefined;
          return shim.success(dataMarshall.toWireBuffer(result, schema, loggerPrefix));
        }
        try {
          await contractInstance.unknownTransaction(ctx);
          return shim.success();
        } catch (error) {
          return shim.error((error as Error).message);
        }
      } catch (error) {
        // fabric-shim logs `${loggerPrefix} ${error}` here, a conversion that throws for a symbol.
        ''.concat(error as string);
        return shim.error((error as Error).message);
      }
    }
  }
  return Quiet as unknown as ChaincodeFromContract;
}

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
  const ShimFromContract =
    require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContract;
  const FromContract = shimLoggingSilenced
    ? withoutDebugMessages(ShimFromContract)
    : ShimFromContract;
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
