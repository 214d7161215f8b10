/**
 * Typed calls into the chaincode over any LedgerClient: arguments encoded canonically, payloads
 * decoded, errors turned into GatewayErrors that keep the chaincode's code. MVCC conflicts are
 * retried a few times, as Fabric client SDKs advise, because they say nothing about the request.
 */
import { canonicalJson, parseJson } from '@shulian/chaincode/canonical';
import type { TransactionName } from '@shulian/chaincode/constants';
import type { Caller, LedgerClient, SubmitOptions } from '../ledger/types.js';
import { fromLedgerError } from '../errors.js';

export type Arg = string | number | boolean | null | object;

export interface Submitted<T> {
  value: T;
  txId: string;
  blockNumber: number;
}

export interface Chaincode {
  submit<T>(
    caller: Caller,
    fcn: TransactionName,
    args: Arg[],
    options?: SubmitOptions,
  ): Promise<Submitted<T>>;
  evaluate<T>(caller: Caller, fcn: TransactionName, args: Arg[]): Promise<T>;
}

const MVCC_RETRIES = 3;
const encodeArg = (arg: Arg): string => (typeof arg === 'string' ? arg : canonicalJson(arg));

function decode<T>(payload: Uint8Array): T {
  // Writes that return nothing answer with an empty payload.
  return (payload.length === 0 ? null : parseJson(payload)) as T;
}

export function createChaincode(ledger: LedgerClient): Chaincode {
  return {
    async submit<T>(caller: Caller, fcn: TransactionName, args: Arg[], options?: SubmitOptions) {
      const encoded = args.map(encodeArg);
      for (let attempt = 0; ; attempt++) {
        try {
          // The ledger answers once every serving node has committed the block, so another
          // department's read right after this write sees it.
          const result = await ledger.submit(caller, fcn, encoded, options);
          return {
            value: decode<T>(result.payload),
            txId: result.txId,
            blockNumber: result.blockNumber,
          };
        } catch (err) {
          const mapped = fromLedgerError(err);
          if (mapped.code !== 'MVCC_CONFLICT' || attempt >= MVCC_RETRIES) throw mapped;
        }
      }
    },
    async evaluate<T>(caller: Caller, fcn: TransactionName, args: Arg[]) {
      try {
        return decode<T>(await ledger.evaluate(caller, fcn, args.map(encodeArg)));
      } catch (err) {
        throw fromLedgerError(err);
      }
    },
  };
}
