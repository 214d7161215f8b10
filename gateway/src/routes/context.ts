/**
 * What every route plugin receives: the ledger, the index, the store and the other services,
 * created once by the server (or a test) and passed to buildApp.
 */
import type { GatewayConfig } from '../config.js';
import type { TokenStore } from '../auth/tokens.js';
import type { QueryIndex } from '../index/query-index.js';
import type { Caller, LedgerClient } from '../ledger/types.js';
import type { Chaincode } from '../services/chaincode.js';
import type { Metrics } from '../services/metrics.js';
import type { Datasets } from '../services/datasets.js';
import type { TrustFile } from '@shulian/proof/bundle';

export interface DemoIdentity {
  department: string;
  user: string;
  roles: string[];
  token: string;
  label?: string;
}

export interface GatewayContext {
  config: GatewayConfig;
  ledger: LedgerClient;
  chaincode: Chaincode;
  tokens: TokenStore;
  index: QueryIndex;
  metrics: Metrics;
  datasets: Datasets;
  /** Department CA certificates and orderer keys that proof bundles verify against. */
  trust: TrustFile;
  /** The coordinator department (from the ledger's configuration). */
  coordinator: string;
  /** The identity public reads (department directory) are evaluated as: the coordinator's gateway. */
  publicReader: Caller;
  /** Demo sign-in identities; present only when the gateway seeded the demo data. */
  demoIdentities?: DemoIdentity[];
  /** The clock for overdue checks; injectable so tests can move time. */
  now(): number;
}

export interface RouteOptions {
  ctx: GatewayContext;
}
