import { Contract, type Context } from 'fabric-contract-api';
import { ErrorCode } from '../constants.js';
import { ChaincodeError } from './errors.js';
// Loaded with every contract: fabric-shim's parameter reading without its eager debug.
import './shim-parameters.js';

/** Base of every Shulian contract: what they share in how fabric-contract-api calls them. */
export abstract class ShulianContract extends Contract {
  /** A misspelt transaction name must fail with a code the gateway understands. */
  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    return Promise.reject(
      new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `unknown transaction ${fcn}`),
    );
  }
}
