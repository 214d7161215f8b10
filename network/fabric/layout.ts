/**
 * The on-disk layout of a Fabric network made by `fabric:up`, one folder per organisation as
 * separate machines would hold it (issue 15): a department's folder carries its own CA, its
 * peer, its users and its chaincode server, and only public certificates of the others; the
 * ordering organisation's folder likewise. `channel/` holds what the organisations exchange
 * publicly (MSP certificates, the genesis block, the chaincode package). `network.json`
 * records the ports and the progress of setting the network up, so `fabric:up` resumes.
 *
 *   <dir>/network.json
 *   <dir>/channel/{configtx.yaml, genesis.block, <chaincode>.tar.gz, orgs/<id>/msp/}
 *   <dir>/orderer/{ca/, msp/, users/admin/, orderers/orderer<i>/{msp,tls,config,data,orderer.log,pid.json}}
 *   <dir>/departments/<id>/{connection.json, ca/, msp/, wallet/, users/<name>/{msp,tls},
 *                          peer/{msp,tls,config,data,peer.log,pid.json},
 *                          chaincode/{supervisor.log,server.log,supervisor.pid.json,server.pid.json},
 *                          channel/orgs/<id>/{ca.pem,tlsca.pem}}
 */
import path from 'node:path';

export const DEFAULT_FABRIC_DIR = path.join('data', 'fabric');

/** The folder `fabric:*` commands work in: --dir, else SHULIAN_FABRIC_DIR, else data/fabric. */
export function fabricDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit || env.SHULIAN_FABRIC_DIR || DEFAULT_FABRIC_DIR);
}

export interface OrdererNode {
  name: string;
  host: string;
  port: number;
  adminPort: number;
  opsPort: number;
}

export interface PeerNode {
  department: string;
  name: string;
  host: string;
  port: number;
  /** The peer's own chaincode listener (unused by chaincode-as-a-service, but bound). */
  chaincodeListenPort: number;
  opsPort: number;
  /** Where this department's chaincode server listens; the peer dials it. */
  chaincodeServerPort: number;
}

/** network.json */
export interface FabricState {
  version: 1;
  channel: string;
  chaincode: { name: string; version: string; label: string; sequence: number; policy: string };
  ordererOrg: string;
  orderers: OrdererNode[];
  peers: PeerNode[];
  /** The package id (label:sha256 of the package) once the package is built. */
  packageId?: string;
  /** Setup steps already done, so an interrupted `fabric:up` continues where it stopped. */
  done: string[];
}

export class Layout {
  constructor(readonly root: string) {}

  get stateFile(): string {
    return path.join(this.root, 'network.json');
  }
  get channelDir(): string {
    return path.join(this.root, 'channel');
  }
  get genesisBlock(): string {
    return path.join(this.channelDir, 'genesis.block');
  }
  publicOrgMsp(org: string): string {
    return path.join(this.channelDir, 'orgs', org, 'msp');
  }
  chaincodePackage(name: string): string {
    return path.join(this.channelDir, `${name}.tar.gz`);
  }

  get ordererOrgDir(): string {
    return path.join(this.root, 'orderer');
  }
  ordererDir(name: string): string {
    return path.join(this.ordererOrgDir, 'orderers', name);
  }

  departmentDir(id: string): string {
    return path.join(this.root, 'departments', id);
  }
  peerDir(id: string): string {
    return path.join(this.departmentDir(id), 'peer');
  }
  chaincodeDir(id: string): string {
    return path.join(this.departmentDir(id), 'chaincode');
  }
  connectionProfile(id: string): string {
    return path.join(this.departmentDir(id), 'connection.json');
  }

  /** An organisation's folder (a department's or the ordering organisation's). */
  orgDir(org: string, ordererOrg: string): string {
    return org === ordererOrg ? this.ordererOrgDir : this.departmentDir(org);
  }
  /** A user's MSP and TLS folders within its organisation's folder. */
  userDir(org: string, ordererOrg: string, user: string): string {
    return path.join(this.orgDir(org, ordererOrg), 'users', user);
  }
}
