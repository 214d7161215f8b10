/**
 * Opens the Fabric ledger from the connection profiles `npm run fabric:up` writes, one per
 * department (`<fabric dir>/departments/<id>/connection.json`, documented in
 * network/fabric/README.md): the peers with the TLS CA to trust, the department's wallet and CA
 * (users are issued on first use, as on the embedded engine, so the same user names work on
 * both), and the channel members' CA certificates (the trust file for offline proofs).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrustFile } from '@shulian/proof/schema';
import { CertificateAuthority, type StoredIdentity } from '../../../network/embedded/identity.js';
import { Wallet } from '../../../network/embedded/material.js';
import {
  createFabricLedger,
  type FabricLedger,
  type FabricLedgerOptions,
  type FabricSigningIdentity,
} from './fabric.js';
import type { Caller } from './types.js';

/** The part of network/fabric's ConnectionProfile this client reads. */
interface ConnectionProfile {
  version: 1;
  department: string;
  channel: string;
  chaincode: string;
  peers: { mspId: string; endpoint: string; hostname: string; tlsCACert: string }[];
  wallet: { dir: string; ca: string };
  members: Record<string, { caCert: string }>;
  /** The peers' peer.authentication.timewindow; null or absent (older profiles): Fabric's default. */
  timeWindowMs?: number | null;
}

export interface OpenFabricLedgerOptions {
  /** The folder `fabric:up` made (SHULIAN_FABRIC_DIR, default data/fabric). */
  fabricDir: string;
  /** The department whose peer answers block events and status first (default: the first). */
  localDepartment?: string;
  /**
   * Department mode: read only `departments/<localDepartment>/` (no other department's profile,
   * wallet or CA is opened, as on a department's own machine) and talk to that department's peer
   * only; the peer's Gateway service gathers the other departments' endorsements itself.
   */
  departmentOnly?: boolean;
  /** Callers who sign as their department's admin (NodeOU admin); default the user `admin`. */
  isAdmin?: (caller: Caller) => boolean;
  deadlines?: FabricLedgerOptions['deadlines'];
  retry?: FabricLedgerOptions['retry'];
}

export interface OpenedFabricLedger extends FabricLedger {
  /** The channel members' CA certificates, for offline verification of Fabric proofs. */
  readonly trust: TrustFile;
  readonly departments: string[];
  /** A caller's signing material from its department's wallet (issued on first use). */
  identity(caller: Caller): Promise<FabricSigningIdentity>;
}

/** The one department's profile, as its own machine holds it (department mode). */
async function readOwnProfile(
  fabricDir: string,
  department: string,
): Promise<Map<string, ConnectionProfile>> {
  const file = path.join(fabricDir, 'departments', department, 'connection.json');
  try {
    return new Map([[department, JSON.parse(await readFile(file, 'utf8')) as ConnectionProfile]]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw Object.assign(
      new Error(
        `department ${department} has no connection profile (${file}): is this its machine, and has \`npm run fabric:up\` finished?`,
      ),
      { code: 'UNKNOWN_DEPARTMENT' },
    );
  }
}

async function readProfiles(fabricDir: string): Promise<Map<string, ConnectionProfile>> {
  const root = path.join(fabricDir, 'departments');
  let ids: string[];
  try {
    ids = (await readdir(root)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `no Fabric network in ${fabricDir} (no departments/ folder): run \`npm run fabric:up\` first, or set SHULIAN_FABRIC_DIR`,
    );
  }
  const profiles = new Map<string, ConnectionProfile>();
  for (const id of ids) {
    const file = path.join(root, id, 'connection.json');
    try {
      profiles.set(id, JSON.parse(await readFile(file, 'utf8')) as ConnectionProfile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (profiles.size === 0)
    throw new Error(`no connection profiles under ${root}: has \`npm run fabric:up\` finished?`);
  return profiles;
}

export async function openFabricLedger(
  options: OpenFabricLedgerOptions,
): Promise<OpenedFabricLedger> {
  const profiles =
    options.departmentOnly && options.localDepartment !== undefined
      ? await readOwnProfile(options.fabricDir, options.localDepartment)
      : await readProfiles(options.fabricDir);
  const local = options.localDepartment ?? [...profiles.keys()][0] ?? '';
  const profile = profiles.get(local);
  if (!profile)
    throw new Error(
      `no connection profile for department ${local} in ${options.fabricDir} (have ${[...profiles.keys()].join(', ')})`,
    );
  const isAdmin = options.isAdmin ?? ((caller: Caller) => caller.user === 'admin');

  const wallets = new Map<string, Promise<Wallet>>();
  const wallet = (department: string): Promise<Wallet> => {
    let w = wallets.get(department);
    if (!w) {
      const p = profiles.get(department);
      if (!p)
        return Promise.reject(
          Object.assign(new Error(`no wallet for department ${department} on this gateway`), {
            code: 'INVALID_IDENTITY_NAME',
          }),
        );
      w = readFile(p.wallet.ca, 'utf8').then(
        async (text) =>
          new Wallet(
            p.wallet.dir,
            await CertificateAuthority.fromStored(JSON.parse(text) as StoredIdentity),
          ),
      );
      wallets.set(department, w);
    }
    return w;
  };
  const identity = async (caller: Caller): Promise<FabricSigningIdentity> => {
    const id = await (
      await wallet(caller.department)
    ).identity(caller.user, isAdmin(caller) ? 'admin' : 'client');
    return { mspId: id.mspId, certificate: id.certificate, privateKey: id.privateKey };
  };

  const peers = await Promise.all(
    profile.peers
      .filter((p) => !options.departmentOnly || p.mspId === local)
      .map(async (p) => ({
        department: p.mspId,
        endpoint: p.endpoint,
        tlsRootCert: await readFile(p.tlsCACert, 'utf8'),
        serverName: p.hostname,
      })),
  );
  // Every channel member's department, also in department mode (the trust file names them all).
  const departments = profile.peers.map((p) => p.mspId);
  const members = Object.fromEntries(
    await Promise.all(
      Object.entries(profile.members).map(
        async ([org, m]) => [org, await readFile(m.caCert, 'utf8')] as const,
      ),
    ),
  );
  const trust: TrustFile = {
    format: 'shulian-trust',
    version: 1,
    channel: profile.channel,
    departments: Object.fromEntries(
      departments.filter((d) => members[d]).map((d) => [d, { caCertificate: members[d] ?? '' }]),
    ),
    // The ordering organisation's CA: a Fabric block is signed by an orderer it issued.
    orderers: Object.entries(members)
      .filter(([org]) => !departments.includes(org))
      .map(([mspId, certificate]) => ({ mspId, certificate })),
  };

  const ledger = await createFabricLedger({
    channel: profile.channel,
    chaincode: profile.chaincode,
    peers,
    localDepartment: local,
    identity,
    ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(typeof profile.timeWindowMs === 'number' ? { timeWindowMs: profile.timeWindowMs } : {}),
  });
  return Object.assign(ledger, { trust, departments, identity });
}
