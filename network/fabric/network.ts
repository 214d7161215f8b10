/**
 * `fabric:up`, `fabric:down`, `fabric:status`: a native Hyperledger Fabric network made from
 * departments.yaml. Up is idempotent and resumable: material, configuration and setup steps are
 * created once (network.json records ports and finished steps), and processes that are not
 * running are started again, after the ports of their previous instance are free.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadNetworkConfig, type NetworkConfig } from '../embedded/config.js';
import { findFabric, type FabricHome } from './binaries.js';
import {
  CCAAS_CONFIG_ENV,
  configtx,
  signaturePolicy,
  writeCoreYaml,
  writeOrdererYaml,
} from './configs.js';
import { Layout, type FabricState, type OrdererNode, type PeerNode } from './layout.js';
import {
  ensureNodeMaterial,
  ensureUser,
  orgAuthorities,
  writeAtomic,
  writeOrgMsp,
} from './material.js';
import { waitEndorsers } from './discovery.js';
import { ccaasPackage } from './package.js';
import {
  freePorts,
  isRunning,
  readPid,
  startProcess,
  stopRecorded,
  waitHealthy,
  waitPortsFree,
  type PidRecord,
} from './processes.js';

const run = promisify(execFile);

/** Users every department has on both engines (the gateway issues others on demand). */
export const DEFAULT_USERS: { name: string; ou: 'admin' | 'client' }[] = [
  { name: 'admin', ou: 'admin' },
  { name: 'clerk', ou: 'client' },
  { name: 'auditor', ou: 'client' },
];

const ORDERER_COUNT = 3;

export interface FabricOptions {
  dir: string;
  /** departments.yaml (default network/departments.yaml). */
  configFile?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** A loaded network: its description, layout, state and Fabric installation. */
export interface FabricNetwork {
  config: NetworkConfig;
  layout: Layout;
  state: FabricState;
  fabric: FabricHome;
}

// ---------------------------------------------------------------------------------------------
// Running Fabric's command-line tools

/** The environment of a Fabric process: ours, without Fabric settings a user may have set. */
function baseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env))
    if (!/^(CORE_|ORDERER_|FABRIC_CFG_PATH$|FABRIC_LOGGING_SPEC$)/.test(k)) out[k] = v;
  return out;
}

export class FabricCommandError extends Error {
  readonly code = 'FABRIC_COMMAND_FAILED';
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'FabricCommandError';
  }
}

async function tool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new FabricCommandError(
      `${path.basename(command)} ${args.slice(0, 3).join(' ')} failed: ${(e.stderr || e.message).trim()}`,
      e.stdout ?? '',
      e.stderr ?? '',
    );
  }
}

/** Environment for the peer CLI acting as `user` of `department` against its own peer. */
export function peerCliEnv(net: FabricNetwork, department: string, user = 'admin') {
  const peer = peerOf(net.state, department);
  const dir = net.layout.peerDir(department);
  return {
    ...baseEnv(process.env),
    FABRIC_CFG_PATH: path.join(dir, 'config'),
    FABRIC_LOGGING_SPEC: 'WARNING',
    CORE_PEER_LOCALMSPID: department,
    CORE_PEER_MSPCONFIGPATH: path.join(
      net.layout.userDir(department, net.state.ordererOrg, user),
      'msp',
    ),
    CORE_PEER_ADDRESS: `${peer.host}:${peer.port}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: path.join(dir, 'tls', 'ca.crt'),
  };
}

/** Runs `peer <args>` as a department's user (admin by default). */
export function peerCli(net: FabricNetwork, department: string, args: string[], user?: string) {
  return tool(net.fabric.bin('peer'), args, peerCliEnv(net, department, user));
}

export function peerOf(state: FabricState, department: string): PeerNode {
  const peer = state.peers.find((p) => p.department === department);
  if (!peer) throw new Error(`no peer for department ${department} in this network`);
  return peer;
}

/** A department's public copy of another organisation's TLS CA certificate. */
export function tlsCaOf(layout: Layout, holder: string, org: string): string {
  return path.join(layout.departmentDir(holder), 'channel', 'orgs', org, 'tlsca.pem');
}

/** The orderer flags of a peer CLI call made from a department's machine. */
export function ordererFlags(net: FabricNetwork, holder: string, index = 0): string[] {
  const o = net.state.orderers[index] as OrdererNode;
  return [
    '-o',
    `${o.host}:${o.port}`,
    '--tls',
    '--cafile',
    tlsCaOf(net.layout, holder, net.state.ordererOrg),
  ];
}

// ---------------------------------------------------------------------------------------------
// State

async function readState(layout: Layout): Promise<FabricState | undefined> {
  if (!existsSync(layout.stateFile)) return undefined;
  return JSON.parse(await readFile(layout.stateFile, 'utf8')) as FabricState;
}

async function saveState(layout: Layout, state: FabricState): Promise<void> {
  await writeAtomic(layout.stateFile, JSON.stringify(state, null, 2));
}

async function newState(config: NetworkConfig): Promise<FabricState> {
  const ports = await freePorts(ORDERER_COUNT * 3 + config.departments.length * 4);
  const next = () => ports.shift() as number;
  const orderers = Array.from({ length: ORDERER_COUNT }, (_, i) => ({
    name: `orderer${i}`,
    host: '127.0.0.1',
    port: next(),
    adminPort: next(),
    opsPort: next(),
  }));
  const peers = config.departments.map((d) => ({
    department: d.id,
    name: `peer0.${d.domain}`,
    host: '127.0.0.1',
    port: next(),
    chaincodeListenPort: next(),
    opsPort: next(),
    chaincodeServerPort: next(),
  }));
  return {
    version: 1,
    channel: config.channel,
    chaincode: {
      name: config.chaincode.name,
      version: config.chaincode.version,
      label: `${config.chaincode.name}_${config.chaincode.version}`,
      sequence: 1,
      policy: signaturePolicy(config),
    },
    ordererOrg: config.orderer.id,
    orderers,
    peers,
    done: [],
  };
}

/** Opens an existing network (for down, status, tests); undefined when there is none. */
export async function openNetwork(
  options: Pick<FabricOptions, 'dir' | 'configFile' | 'env'>,
): Promise<FabricNetwork | undefined> {
  const layout = new Layout(options.dir);
  const state = await readState(layout);
  if (!state) return undefined;
  return {
    config: await loadNetworkConfig(options.configFile),
    layout,
    state,
    fabric: findFabric(options.env),
  };
}

// ---------------------------------------------------------------------------------------------
// Material: every organisation in its own folder; only certificates cross folders

async function writeMaterial(net: FabricNetwork): Promise<void> {
  const { config, layout, state } = net;
  const o = state.ordererOrg;
  const hosts = (name: string) => ['127.0.0.1', 'localhost', name];
  const publicCerts: Record<string, { ca: string; tlsca: string }> = {};

  const ordererAuth = await orgAuthorities(layout.ordererOrgDir, o);
  publicCerts[o] = { ca: ordererAuth.ca.certificate, tlsca: ordererAuth.tlsca.certificate };
  for (const node of state.orderers) {
    const name = `${node.name}.${config.orderer.domain}`;
    await ensureNodeMaterial(layout.ordererDir(node.name), ordererAuth, name, 'orderer', [
      ...hosts(name),
      node.name,
    ]);
    // Consenters' TLS certificates go into the channel configuration.
    const dest = path.join(layout.channelDir, 'orgs', o, 'orderers', node.name, 'server.crt');
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(path.join(layout.ordererDir(node.name), 'tls', 'server.crt'), dest);
  }
  await ensureUser(
    layout.userDir(o, o, 'admin'),
    layout.ordererOrgDir,
    ordererAuth,
    'admin',
    'admin',
  );

  for (const d of config.departments) {
    const dir = layout.departmentDir(d.id);
    const auth = await orgAuthorities(dir, d.id);
    publicCerts[d.id] = { ca: auth.ca.certificate, tlsca: auth.tlsca.certificate };
    const peer = peerOf(state, d.id);
    await ensureNodeMaterial(layout.peerDir(d.id), auth, peer.name, 'peer', hosts(peer.name));
    for (const u of DEFAULT_USERS)
      await ensureUser(layout.userDir(d.id, o, u.name), dir, auth, u.name, u.ou);
  }

  for (const [org, certs] of Object.entries(publicCerts)) {
    await writeOrgMsp(layout.publicOrgMsp(org), certs);
    // Each department keeps public copies of every member's CA certificates, as a separate
    // machine would receive them with the channel configuration.
    for (const d of config.departments) {
      const dest = path.join(layout.departmentDir(d.id), 'channel', 'orgs', org);
      await writeAtomic(path.join(dest, 'ca.pem'), certs.ca);
      await writeAtomic(path.join(dest, 'tlsca.pem'), certs.tlsca);
    }
  }
}

async function writeGenesis(net: FabricNetwork): Promise<void> {
  const { layout } = net;
  if (existsSync(layout.genesisBlock)) return;
  const file = path.join(layout.channelDir, 'configtx.yaml');
  await writeAtomic(file, configtx(net.config, layout, net.state.orderers, net.state.peers));
  await tool(
    net.fabric.bin('configtxgen'),
    [
      '-profile',
      'Shulian',
      '-channelID',
      net.state.channel,
      '-outputBlock',
      layout.genesisBlock,
      '-configPath',
      layout.channelDir,
    ],
    { ...baseEnv(process.env), FABRIC_CFG_PATH: layout.channelDir },
  );
}

/**
 * The connection profile a department's gateway reads (documented in network/fabric/README.md):
 * its own peer, every peer and orderer with the TLS CA to trust, its users' certificate and key
 * files, its wallet and CA for users issued later, and the channel members' CA certificates.
 */
export interface ConnectionProfile {
  version: 1;
  network: string;
  department: string;
  mspId: string;
  channel: string;
  chaincode: string;
  peer: PeerEndpoint;
  peers: PeerEndpoint[];
  orderers: { name: string; endpoint: string; hostname: string; tlsCACert: string }[];
  users: Record<string, { ou: 'admin' | 'client'; certificate: string; privateKey: string }>;
  wallet: { dir: string; ca: string };
  members: Record<string, { caCert: string; tlsCACert: string }>;
  /** The peers' peer.authentication.timewindow in ms; null: Fabric's default (15 minutes). */
  timeWindowMs: number | null;
}

export interface PeerEndpoint {
  mspId: string;
  name: string;
  endpoint: string;
  hostname: string;
  tlsCACert: string;
}

export function connectionProfile(net: FabricNetwork, department: string): ConnectionProfile {
  const { layout, state, config } = net;
  const orgs = [...config.departments.map((d) => d.id), state.ordererOrg];
  const peers = state.peers.map((p) => ({
    mspId: p.department,
    name: p.name,
    endpoint: `${p.host}:${p.port}`,
    hostname: p.name,
    tlsCACert: tlsCaOf(layout, department, p.department),
  }));
  const users: ConnectionProfile['users'] = {};
  for (const u of DEFAULT_USERS) {
    const msp = path.join(layout.userDir(department, state.ordererOrg, u.name), 'msp');
    users[u.name] = {
      ou: u.ou,
      certificate: path.join(msp, 'signcerts', 'cert.pem'),
      privateKey: path.join(msp, 'keystore', 'priv_sk'),
    };
  }
  return {
    version: 1,
    network: config.name,
    department,
    mspId: department,
    channel: state.channel,
    chaincode: state.chaincode.name,
    peer: peers.find((p) => p.mspId === department) as PeerEndpoint,
    peers,
    orderers: state.orderers.map((o) => ({
      name: o.name,
      endpoint: `${o.host}:${o.port}`,
      hostname: `${o.name}.${config.orderer.domain}`,
      tlsCACert: tlsCaOf(layout, department, state.ordererOrg),
    })),
    users,
    wallet: {
      dir: layout.departmentDir(department),
      ca: path.join(layout.departmentDir(department), 'ca', 'ca.json'),
    },
    members: Object.fromEntries(
      orgs.map((org) => [
        org,
        {
          caCert: path.join(layout.departmentDir(department), 'channel', 'orgs', org, 'ca.pem'),
          tlsCACert: tlsCaOf(layout, department, org),
        },
      ]),
    ),
    timeWindowMs: config.fabricPeerTimeWindowMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Every process of the network, in start order, with what stops and checks it. */
export interface NodeProcess {
  name: string;
  kind: 'orderer' | 'peer' | 'chaincode';
  pidFile: string;
  logFile: string;
  ports: number[];
  opsPort?: number;
  department?: string;
}

export function processes(net: Pick<FabricNetwork, 'layout' | 'state'>): NodeProcess[] {
  const { layout, state } = net;
  return [
    ...state.orderers.map((o) => ({
      name: `orderer ${o.name}`,
      kind: 'orderer' as const,
      pidFile: path.join(layout.ordererDir(o.name), 'pid.json'),
      logFile: path.join(layout.ordererDir(o.name), 'orderer.log'),
      ports: [o.port, o.adminPort, o.opsPort],
      opsPort: o.opsPort,
    })),
    ...state.peers.map((p) => ({
      name: `peer ${p.department}`,
      kind: 'peer' as const,
      pidFile: path.join(layout.peerDir(p.department), 'pid.json'),
      logFile: path.join(layout.peerDir(p.department), 'peer.log'),
      ports: [p.port, p.chaincodeListenPort, p.opsPort],
      opsPort: p.opsPort,
      department: p.department,
    })),
    ...state.peers.map((p) => ({
      name: `chaincode ${p.department}`,
      kind: 'chaincode' as const,
      pidFile: path.join(layout.chaincodeDir(p.department), 'supervisor.pid.json'),
      logFile: path.join(layout.chaincodeDir(p.department), 'supervisor.log'),
      ports: [p.chaincodeServerPort],
      department: p.department,
    })),
  ];
}

/**
 * The processes one organisation runs on its own machine: a department's peer and chaincode
 * server, or the ordering organisation's orderers (all three, where the coordinator runs them).
 */
export function orgProcesses(net: Pick<FabricNetwork, 'layout' | 'state'>, org: string) {
  const { state } = net;
  const orgs = [...state.peers.map((p) => p.department), state.ordererOrg];
  if (!orgs.includes(org))
    throw new Error(
      `${org} is not an organisation of this network (${state.channel}: ${orgs.join(', ')})`,
    );
  return processes(net).filter((p) =>
    org === state.ordererOrg ? p.kind === 'orderer' : p.department === org,
  );
}

/** The pid file of a department's chaincode server (the supervisor's child). */
export const chaincodeServerPidFile = (layout: Layout, department: string): string =>
  path.join(layout.chaincodeDir(department), 'server.pid.json');

const here = path.dirname(fileURLToPath(import.meta.url));

/** The chaincode package's directory and fabric-shim's command-line entry. */
function chaincodeServerCommand(): { moduleDir: string; cli: string } {
  const require = createRequire(import.meta.url);
  const moduleDir = path.dirname(require.resolve('@shulian/chaincode/package.json'));
  const shimRequire = createRequire(path.join(moduleDir, 'package.json'));
  const shimPkg = shimRequire.resolve('fabric-shim/package.json');
  const bin = (
    JSON.parse(readFileSync(shimPkg, 'utf8')) as {
      bin: Record<string, string>;
    }
  ).bin['fabric-chaincode-node'] as string;
  return { moduleDir, cli: path.join(path.dirname(shimPkg), bin) };
}

async function startNode(net: FabricNetwork, p: NodeProcess, log: (l: string) => void) {
  if (isRunning(await readPid(p.pidFile))) return;
  await waitPortsFree(p.ports, p.name);
  const { layout, state, fabric } = net;
  let record: PidRecord;
  if (p.kind === 'orderer') {
    const node = state.orderers.find((o) => `orderer ${o.name}` === p.name) as OrdererNode;
    const cfg = await writeOrdererYaml(fabric, layout, state.ordererOrg, node);
    record = await startProcess({
      name: p.name,
      command: fabric.bin('orderer'),
      args: [],
      env: { ...baseEnv(process.env), FABRIC_CFG_PATH: cfg, FABRIC_LOGGING_SPEC: 'INFO' },
      cwd: layout.ordererDir(node.name),
      logFile: p.logFile,
      pidFile: p.pidFile,
    });
  } else if (p.kind === 'peer') {
    const peer = peerOf(state, p.department as string);
    const cfg = await writeCoreYaml(fabric, layout, peer, net.config.fabricPeerTimeWindowMs);
    record = await startProcess({
      name: p.name,
      command: fabric.bin('peer'),
      args: ['node', 'start'],
      env: {
        ...baseEnv(process.env),
        FABRIC_CFG_PATH: cfg,
        FABRIC_LOGGING_SPEC: 'INFO',
        CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING',
        // The ccaas builder fills connection.json's {{.address}} from this.
        [CCAAS_CONFIG_ENV]: JSON.stringify({
          address: `${peer.host}:${peer.chaincodeServerPort}`,
        }),
      },
      cwd: layout.peerDir(peer.department),
      logFile: p.logFile,
      pidFile: p.pidFile,
    });
  } else {
    const peer = peerOf(state, p.department as string);
    const server = chaincodeServerCommand();
    const supervisor = path.join(here, 'supervisor.js');
    const dir = layout.chaincodeDir(peer.department);
    // A server left behind by a supervisor that was killed would hold the port.
    await stopRecorded(chaincodeServerPidFile(layout, peer.department));
    await waitPortsFree(p.ports, p.name);
    record = await startProcess({
      name: p.name,
      command: process.execPath,
      match: supervisor,
      args: [
        supervisor,
        chaincodeServerPidFile(layout, peer.department),
        path.join(dir, 'server.log'),
        '--',
        process.execPath,
        server.cli,
        'server',
        '--chaincode-address',
        `${peer.host}:${peer.chaincodeServerPort}`,
        '--chaincode-id',
        state.packageId as string,
        '--module-path',
        server.moduleDir,
      ],
      env: {
        ...baseEnv(process.env),
        CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING',
        CORE_CHAINCODE_LOGGING_SHIM: 'WARNING',
      },
      cwd: server.moduleDir,
      logFile: p.logFile,
      pidFile: p.pidFile,
    });
  }
  if (p.opsPort !== undefined) await waitHealthy(p.name, p.opsPort, record, p.logFile);
  log(`started ${p.name} (pid ${record.pid})`);
}

// ---------------------------------------------------------------------------------------------
// Channel and chaincode

async function step(
  net: FabricNetwork,
  name: string,
  log: (l: string) => void,
  action: () => Promise<void>,
): Promise<void> {
  if (net.state.done.includes(name)) return;
  await action();
  net.state.done.push(name);
  await saveState(net.layout, net.state);
  log(name);
}

/** Retries an action that fails while Raft elects a leader or a peer catches up. */
async function retry<T>(what: string, action: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await action();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(Math.min(3000, 250 * i));
    }
  }
}

async function setUpChannel(net: FabricNetwork, log: (l: string) => void): Promise<void> {
  const { layout, state, fabric, config } = net;
  const o = state.ordererOrg;
  const admin = layout.userDir(o, o, 'admin');
  for (const node of state.orderers) {
    await step(net, `orderer ${node.name} joined channel ${state.channel}`, log, async () => {
      try {
        await tool(
          fabric.bin('osnadmin'),
          [
            'channel',
            'join',
            '--channelID',
            state.channel,
            '--config-block',
            layout.genesisBlock,
            '-o',
            `${node.host}:${node.adminPort}`,
            '--ca-file',
            path.join(layout.ordererDir(node.name), 'tls', 'ca.crt'),
            '--client-cert',
            path.join(admin, 'tls', 'client.crt'),
            '--client-key',
            path.join(admin, 'tls', 'client.key'),
          ],
          baseEnv(process.env),
        );
      } catch (err) {
        // Joined before an interrupted run recorded it.
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
    });
  }
  for (const d of config.departments) {
    await step(net, `peer ${d.id} joined channel ${state.channel}`, log, async () => {
      try {
        await peerCli(net, d.id, ['channel', 'join', '-b', layout.genesisBlock]);
      } catch (err) {
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
    });
  }
}

async function deployChaincode(net: FabricNetwork, log: (l: string) => void): Promise<void> {
  const { layout, state, config } = net;
  const cc = state.chaincode;
  const pkg = layout.chaincodePackage(cc.name);
  for (const d of config.departments) {
    await step(net, `chaincode installed on peer ${d.id}`, log, async () => {
      try {
        await peerCli(net, d.id, ['lifecycle', 'chaincode', 'install', pkg]);
      } catch (err) {
        if (!/already successfully installed/i.test((err as Error).message)) throw err;
      }
    });
  }
  const definition = [
    '--channelID',
    state.channel,
    '--name',
    cc.name,
    '--version',
    cc.version,
    '--sequence',
    String(cc.sequence),
    '--signature-policy',
    cc.policy,
  ];
  for (const d of config.departments) {
    await step(net, `chaincode approved by ${d.id}`, log, () =>
      retry(`approve ${d.id}`, async () => {
        try {
          await peerCli(net, d.id, [
            'lifecycle',
            'chaincode',
            'approveformyorg',
            ...ordererFlags(net, d.id),
            ...definition,
            '--package-id',
            state.packageId as string,
          ]);
        } catch (err) {
          if (!/attempted to redefine uncommitted sequence/i.test((err as Error).message))
            throw err;
        }
      }).then(() => undefined),
    );
  }
  const committer = config.coordinator;
  await step(net, `chaincode ${cc.name} committed on channel ${state.channel}`, log, () =>
    retry('commit', async () => {
      try {
        await peerCli(net, committer, [
          'lifecycle',
          'chaincode',
          'commit',
          ...ordererFlags(net, committer),
          ...definition,
          ...state.peers.flatMap((p) => [
            '--peerAddresses',
            `${p.host}:${p.port}`,
            '--tlsRootCertFiles',
            tlsCaOf(layout, committer, p.department),
          ]),
        ]);
      } catch (err) {
        if (!/requested sequence is 1, but new definition must be sequence 2/i.test(String(err)))
          throw err;
      }
    }).then(() => undefined),
  );
}

/**
 * Waits until every peer reaches the chaincode: a query answers (an uninitialised ledger
 * answers with the chaincode's own NOT_INITIALIZED error, which proves the same).
 */
async function waitChaincode(
  net: FabricNetwork,
  departments: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const d of departments) {
    for (;;) {
      try {
        await peerCli(net, d, [
          'chaincode',
          'query',
          '-C',
          net.state.channel,
          '-n',
          net.state.chaincode.name,
          '-c',
          JSON.stringify({ function: 'governance:GetConfig', Args: [] }),
        ]);
        break;
      } catch (err) {
        if (/\[[A-Z_]+\]/.test((err as Error).message)) break;
        if (Date.now() > deadline)
          throw new Error(`the chaincode does not answer on peer ${d}: ${(err as Error).message}`);
        await sleep(500);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

/** Creates the network, or resumes it: starts what is not running, finishes unfinished steps. */
export async function fabricUp(options: FabricOptions): Promise<FabricNetwork> {
  const log = options.log ?? (() => undefined);
  const fabric = findFabric(options.env);
  const config = await loadNetworkConfig(options.configFile);
  const layout = new Layout(options.dir);
  let state = await readState(layout);
  if (state) {
    const ids = config.departments.map((d) => d.id).join(',');
    if (state.peers.map((p) => p.department).join(',') !== ids)
      throw new Error(
        `${layout.stateFile} was made for departments ${state.peers.map((p) => p.department).join(', ')}, ` +
          `departments.yaml now lists ${ids.replaceAll(',', ', ')}; run fabric:down --wipe to start a new network`,
      );
  } else {
    await mkdir(layout.root, { recursive: true });
    state = await newState(config);
    await saveState(layout, state);
    log(`new network in ${layout.root}`);
  }
  const net: FabricNetwork = { config, layout, state, fabric };
  await writeMaterial(net);
  await writeGenesis(net);
  if (!state.packageId) {
    const pkg = ccaasPackage(state.chaincode.label);
    await writeAtomic(layout.chaincodePackage(state.chaincode.name), pkg.bytes);
    state.packageId = pkg.packageId;
    await saveState(layout, state);
  }
  for (const p of processes(net)) await startNode(net, p, log);
  await setUpChannel(net, log);
  await deployChaincode(net, log);
  for (const d of config.departments)
    await writeAtomic(
      layout.connectionProfile(d.id),
      JSON.stringify(connectionProfile(net, d.id), null, 2),
    );
  await waitChaincode(
    net,
    config.departments.map((d) => d.id),
  );
  // The peers learn each other and the chaincode through gossip: wait until every peer's
  // Gateway can plan endorsements from every department (./discovery.ts says why).
  await waitEndorsers(
    state.peers.map((p) => ({
      endpoint: `${p.host}:${p.port}`,
      hostname: p.name,
      tlsCaFile: path.join(layout.peerDir(p.department), 'tls', 'ca.crt'),
      mspId: p.department,
      mspDir: path.join(layout.userDir(p.department, state.ordererOrg, 'admin'), 'msp'),
    })),
    state.channel,
    state.chaincode.name,
    config.departments.map((d) => d.id),
  );
  log(
    `network up: ${state.peers.length} peers, ${state.orderers.length} orderers, channel ${state.channel}`,
  );
  return net;
}

/**
 * One organisation's side of a network `fabric:up` laid out: starts only its processes (a
 * department's peer and chaincode server, or the ordering organisation's orderers) from its own
 * folder, as its own machine holds it: `network.json`, the public `channel/` and
 * `departments/<id>/` (or `orderer/`). Nothing is created and no other organisation's folder is
 * read; a department's connection profile is written again for the folder it is now in. The
 * channel and the chaincode must have been set up by `fabric:up`, which records that in
 * network.json.
 */
export async function fabricUpOrgs(
  options: FabricOptions & { orgs: readonly string[] },
): Promise<FabricNetwork> {
  const log = options.log ?? (() => undefined);
  const net = await openNetwork(options);
  if (!net)
    throw new Error(
      `no Fabric network laid out in ${options.dir}: run npm run fabric:up where the network is ` +
        'set up, then copy network.json, channel/ and the organisation’s own folder here',
    );
  const { layout, state, config } = net;
  // Every organisation is checked before anything starts.
  const sides = options.orgs.map((org) => ({ org, own: orgProcesses(net, org) }));
  const unfinished = [
    `chaincode ${state.chaincode.name} committed on channel ${state.channel}`,
    ...options.orgs
      .filter((org) => org !== state.ordererOrg)
      .map((org) => `peer ${org} joined channel ${state.channel}`),
  ].filter((step) => !state.done.includes(step));
  if (unfinished.length > 0)
    throw new Error(
      `${layout.stateFile} records the network as not set up (${unfinished.join('; ')}): ` +
        'finish it with npm run fabric:up where it was laid out',
    );
  for (const { org, own } of sides)
    // Each node's own MSP (next to its pid file): what a machine without this folder lacks.
    for (const p of own) {
      const msp = path.join(path.dirname(p.pidFile), 'msp');
      if (p.kind !== 'chaincode' && !existsSync(msp))
        throw new Error(
          `${p.name}: ${msp} is missing; this folder does not hold ${org}’s material ` +
            `(copy ${path.relative(layout.root, layout.orgDir(org, state.ordererOrg))}/ from where fabric:up laid it out)`,
        );
    }
  for (const { org, own } of sides) {
    for (const p of own) await startNode(net, p, log);
    if (org === state.ordererOrg) continue;
    await writeAtomic(
      layout.connectionProfile(org),
      JSON.stringify(connectionProfile(net, org), null, 2),
    );
    await waitChaincode(net, [org]);
  }
  for (const { org, own } of sides) {
    const names = config.departments.find((d) => d.id === org)?.names ?? config.orderer.names;
    log(
      `${org} ${names.zh} / ${names.en}: ${own.map((p) => p.name).join(', ')} running` +
        (org === state.ordererOrg ? '' : `; connection profile ${layout.connectionProfile(org)}`),
    );
  }
  return net;
}

/**
 * Stops every recorded process (chaincode servers, peers, then orderers), or only those of
 * `orgs`; `wipe` removes the whole folder.
 */
export async function fabricDown(
  options: Pick<FabricOptions, 'dir' | 'log'> & { wipe?: boolean; orgs?: readonly string[] },
): Promise<void> {
  const log = options.log ?? (() => undefined);
  const layout = new Layout(options.dir);
  const state = await readState(layout);
  if (!state) {
    log(`no Fabric network in ${layout.root}`);
    return;
  }
  // Only pids and the layout are needed to stop: no Fabric installation, no departments.yaml.
  const net = { layout, state };
  const { orgs } = options;
  const chosen = orgs
    ? new Set(orgs.flatMap((org) => orgProcesses(net, org).map((p) => p.name)))
    : undefined;
  for (const p of processes(net).reverse()) {
    if (chosen && !chosen.has(p.name)) continue;
    if (await stopRecorded(p.pidFile)) log(`stopped ${p.name}`);
    if (p.kind === 'chaincode' && p.department)
      await stopRecorded(chaincodeServerPidFile(layout, p.department));
  }
  if (options.wipe) {
    await rm(layout.root, { recursive: true, force: true });
    log(`removed ${layout.root}`);
  }
}

export interface ProcessStatus {
  name: string;
  running: boolean;
  pid: number | null;
  ports: number[];
  log: string;
  /** Peers: block height and current block hash (hex) on the channel, when answered. */
  height?: number;
  blockHash?: string;
}

/** Each process's state (of `orgs` only, when given); peers with their height. */
export async function fabricStatus(
  net: FabricNetwork,
  orgs?: readonly string[],
): Promise<ProcessStatus[]> {
  const out: ProcessStatus[] = [];
  for (const p of orgs ? orgs.flatMap((org) => orgProcesses(net, org)) : processes(net)) {
    const record = await readPid(
      p.kind === 'chaincode'
        ? chaincodeServerPidFile(net.layout, p.department as string)
        : p.pidFile,
    );
    const supervisor = p.kind === 'chaincode' ? isRunning(await readPid(p.pidFile)) : true;
    const status: ProcessStatus = {
      name: p.name,
      running: supervisor && isRunning(record),
      pid: record?.pid ?? null,
      ports: p.ports,
      log: p.logFile,
    };
    if (p.kind === 'peer' && status.running) {
      try {
        const info = await peerHeight(net, p.department as string);
        status.height = info.height;
        status.blockHash = info.blockHash;
      } catch {
        // height unknown (the peer is starting or has not joined)
      }
    }
    out.push(status);
  }
  return out;
}

/** A peer's channel height and current block hash, from `peer channel getinfo`. */
export async function peerHeight(
  net: FabricNetwork,
  department: string,
): Promise<{ height: number; blockHash: string }> {
  const { stdout, stderr } = await peerCli(net, department, [
    'channel',
    'getinfo',
    '-c',
    net.state.channel,
  ]);
  const m = /Blockchain info: (\{.*\})/.exec(stdout + stderr);
  if (!m) throw new Error(`unexpected peer channel getinfo output: ${stdout}${stderr}`);
  const info = JSON.parse(m[1] as string) as { height: number; currentBlockHash: string };
  return {
    height: info.height,
    blockHash: Buffer.from(info.currentBlockHash, 'base64').toString('hex'),
  };
}
