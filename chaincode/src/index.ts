/**
 * The Shulian chaincode package. `contracts` is what fabric-chaincode-node (and the embedded
 * network's loader) instantiates; the first listed is the default contract.
 */
import { CatalogContract } from './contracts/catalog.js';
import { ConsentContract } from './contracts/consent.js';
import { DatasetContract } from './contracts/dataset.js';
import { GovernanceContract } from './contracts/governance.js';
import { QualityContract } from './contracts/quality.js';
import { SharingContract } from './contracts/sharing.js';
import { UsageContract } from './contracts/usage.js';

export {
  CatalogContract,
  ConsentContract,
  DatasetContract,
  GovernanceContract,
  QualityContract,
  SharingContract,
  UsageContract,
};

export const contracts = [
  GovernanceContract,
  CatalogContract,
  DatasetContract,
  SharingContract,
  UsageContract,
  QualityContract,
  ConsentContract,
];

export * from './constants.js';
export { ChaincodeError } from './lib/errors.js';
export * as calendar from './lib/calendar.js';
