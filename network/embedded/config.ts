/**
 * network/departments.yaml: parsed and validated into the network description that the
 * embedded nodes (and the Fabric config generators) are built from. Errors name the field.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SUBJECT_KINDS, type SubjectKind } from '@shulian/chaincode/constants';
import { parsePolicy, type Policy } from './policy.js';

export const DEPARTMENT_LEVELS = ['province', 'city', 'county', 'town'] as const;
export type DepartmentLevel = (typeof DEPARTMENT_LEVELS)[number];

export interface Names {
  zh: string;
  en: string;
}

export interface DepartmentConfig {
  /** = MSP id */
  id: string;
  names: Names;
  level: DepartmentLevel;
  parent: string | null;
  /** Kinds of data subject whose identity the department verifies (`verifies: [person]`). */
  verifies: SubjectKind[];
  domain: string;
}

export interface BatchConfig {
  timeoutMs: number;
  maxMessageCount: number;
  absoluteMaxBytes: number;
  preferredMaxBytes: number;
}

export interface NetworkConfig {
  name: string;
  channel: string;
  coordinator: string;
  chaincode: { name: string; version: string; endorsementPolicy: string; policy: Policy };
  departments: DepartmentConfig[];
  orderer: {
    id: string;
    names: Names;
    domain: string;
    /** How the embedded orderer cuts blocks. */
    batch: BatchConfig;
    /** How Fabric's orderers cut blocks (`orderer.fabric`, else the same as `batch`). */
    fabricBatch: BatchConfig;
  };
  /**
   * How far a client's transaction time may be from a Fabric peer's clock (`peers.fabric.timeWindow`,
   * core.yaml peer.authentication.timewindow); null: Fabric's own default (15 minutes).
   */
  fabricPeerTimeWindowMs: number | null;
  /** Passed to governance:InitLedger. */
  deadlines: Record<string, number>;
}

export class ConfigError extends Error {
  readonly code = 'INVALID_NETWORK_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** network/departments.yaml, found from this module in the source tree or in its dist/ build. */
export const DEFAULT_CONFIG_PATH =
  [
    new URL('../departments.yaml', import.meta.url),
    new URL('../../../network/departments.yaml', import.meta.url),
  ]
    .map((url) => fileURLToPath(url))
    .find((file) => existsSync(file)) ??
  fileURLToPath(new URL('../departments.yaml', import.meta.url));

const ID = /^[a-z][a-z0-9]{1,15}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

type Obj = Record<string, unknown>;

function object(value: unknown, at: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${at}: expected a mapping`);
  return value as Obj;
}

function string(o: Obj, key: string, at: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '')
    throw new ConfigError(`${at}.${key}: expected a non-empty string`);
  if (pattern && !pattern.test(v))
    throw new ConfigError(`${at}.${key}: ${JSON.stringify(v)} does not match ${String(pattern)}`);
  return v;
}

function positiveInt(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new ConfigError(`${at}: expected a positive integer`);
  return value;
}

const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Fabric configtx byte sizes: `10 MB`, `512 KB`, or a plain number of bytes. */
export function parseBytes(value: unknown, at: string): number {
  if (typeof value === 'number') return positiveInt(value, at);
  const m = typeof value === 'string' ? /^\s*(\d+)\s*(B|KB|MB|GB)?\s*$/i.exec(value) : null;
  if (!m) throw new ConfigError(`${at}: expected a size such as "2 MB"`);
  return positiveInt(Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1), at);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Fabric durations: `200ms`, `2s`, `1m`, `48h`. */
export function parseDuration(value: unknown, at: string): number {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value) : null;
  if (!m) throw new ConfigError(`${at}: expected a duration such as "200ms" or "2s"`);
  const n = Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 1);
  if (n <= 0) throw new ConfigError(`${at}: must be positive`);
  return n;
}

function names(value: unknown, at: string): Names {
  const o = object(value, at);
  return { zh: string(o, 'zh', at), en: string(o, 'en', at) };
}

/** The subject kinds a department verifies identities of: each a known kind, each once. */
function subjectKinds(verifies: unknown, at: string): SubjectKind[] {
  if (
    !Array.isArray(verifies) ||
    verifies.some((k) => !(SUBJECT_KINDS as readonly unknown[]).includes(k)) ||
    new Set(verifies).size !== verifies.length
  ) {
    throw new ConfigError(`${at}: expected a list of ${SUBJECT_KINDS.join(', ')}`);
  }
  return verifies as SubjectKind[];
}

function department(item: unknown, at: string): DepartmentConfig {
  const d = object(item, at);
  const level = string(d, 'level', at);
  if (!(DEPARTMENT_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(
      `${at}.level: ${JSON.stringify(level)} is not one of ${DEPARTMENT_LEVELS.join(', ')}`,
    );
  }
  const parent = d.parent ?? null;
  if (parent !== null && typeof parent !== 'string')
    throw new ConfigError(`${at}.parent: expected a department id or null`);
  return {
    id: string(d, 'id', at, ID),
    names: names(d.names, `${at}.names`),
    level: level as DepartmentLevel,
    parent,
    verifies: subjectKinds(d.verifies ?? [], `${at}.verifies`),
    domain: string(d, 'domain', at, DOMAIN),
  };
}

/** The departments, each id once, each parent a known other department. */
function departmentList(list: unknown, source: string): DepartmentConfig[] {
  if (!Array.isArray(list) || list.length === 0)
    throw new ConfigError(`${source}.departments: expected a non-empty list`);
  const departments = list.map((item, i) => department(item, `${source}.departments[${i}]`));
  const ids = departments.map((d) => d.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new ConfigError(`${source}.departments: duplicate id ${duplicate}`);
  for (const d of departments) {
    if (d.parent !== null && !ids.includes(d.parent))
      throw new ConfigError(`${source}.departments.${d.id}.parent: unknown department ${d.parent}`);
    if (d.parent === d.id)
      throw new ConfigError(
        `${source}.departments.${d.id}.parent: a department cannot be its own parent`,
      );
  }
  return departments;
}

function batchConfig(o: Record<string, unknown>, at: string): BatchConfig {
  const batchSize = object(o.batchSize, `${at}.batchSize`);
  const batch: BatchConfig = {
    timeoutMs: parseDuration(o.batchTimeout, `${at}.batchTimeout`),
    maxMessageCount: positiveInt(batchSize.maxMessageCount, `${at}.batchSize.maxMessageCount`),
    absoluteMaxBytes: parseBytes(batchSize.absoluteMaxBytes, `${at}.batchSize.absoluteMaxBytes`),
    preferredMaxBytes: parseBytes(batchSize.preferredMaxBytes, `${at}.batchSize.preferredMaxBytes`),
  };
  if (batch.preferredMaxBytes > batch.absoluteMaxBytes)
    throw new ConfigError(`${at}.batchSize: preferredMaxBytes exceeds absoluteMaxBytes`);
  return batch;
}

function chaincodeConfig(
  cc: Record<string, unknown>,
  ids: string[],
  at: string,
): NetworkConfig['chaincode'] {
  const endorsementPolicy = string(cc, 'endorsementPolicy', at);
  let policy: Policy;
  try {
    policy = parsePolicy(endorsementPolicy, ids);
  } catch (err) {
    throw new ConfigError(
      `${at}.endorsementPolicy: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {
    name: string(cc, 'name', at, /^[A-Za-z0-9_-]+$/),
    version:
      typeof cc.version === 'string' || typeof cc.version === 'number' ? String(cc.version) : '1.0',
    endorsementPolicy,
    policy,
  };
}

/**
 * Every string of the parsed file made anew. The parser slices its strings out of the file's text,
 * which holds Chinese names, so even `shulian` or `psb` arrive as views of a two-byte string: every
 * JSON text and key built from them (each block, each ledger key) then becomes two-byte too, and
 * copying those to native code costs 4-5 times as much (#18 measured 60-150 µs per transaction).
 * Decoded afresh, an ASCII string is stored one byte per character.
 */
function flatten(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('utf8');
  if (Array.isArray(value)) return value.map(flatten);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [flatten(k), flatten(v)]));
  return value;
}

function parseYaml(text: string, source: string): Record<string, unknown> {
  try {
    return object(flatten(parse(text) as unknown), source);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      `${source}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function parseNetworkConfig(text: string, source = 'departments.yaml'): NetworkConfig {
  const root = parseYaml(text, source);
  const departments = departmentList(root.departments, source);
  const ids = departments.map((d) => d.id);
  const coordinator = string(root, 'coordinator', source);
  if (!ids.includes(coordinator))
    throw new ConfigError(`${source}.coordinator: ${coordinator} is not a department`);
  if (departments.find((d) => d.id === coordinator)?.parent !== null)
    throw new ConfigError(`${source}.coordinator: the coordinator has no parent`);

  const cc = object(root.chaincode, `${source}.chaincode`);
  const chaincode = chaincodeConfig(cc, ids, `${source}.chaincode`);

  const o = object(root.orderer, `${source}.orderer`);
  const batch = batchConfig(o, `${source}.orderer`);
  // Fabric's orderers have their own settings: its costs per block are not the embedded engine's.
  const fabricBatch =
    o.fabric === undefined
      ? batch
      : batchConfig(object(o.fabric, `${source}.orderer.fabric`), `${source}.orderer.fabric`);
  const ordererId = string(o, 'id', `${source}.orderer`, ID);
  if (ids.includes(ordererId))
    throw new ConfigError(`${source}.orderer.id: ${ordererId} is also a department`);

  // Fabric's peers: only the time window is set, and only when the file says so.
  const fabricPeers =
    root.peers === undefined
      ? undefined
      : object(object(root.peers, `${source}.peers`).fabric ?? {}, `${source}.peers.fabric`);
  const fabricPeerTimeWindowMs =
    fabricPeers?.timeWindow === undefined
      ? null
      : parseDuration(fabricPeers.timeWindow, `${source}.peers.fabric.timeWindow`);

  const deadlines: Record<string, number> = {};
  for (const [k, v] of Object.entries(object(root.deadlines ?? {}, `${source}.deadlines`)))
    deadlines[k] = positiveInt(v, `${source}.deadlines.${k}`);

  return {
    name: string(root, 'name', source),
    channel: string(root, 'channel', source, /^[a-z][a-z0-9.-]{0,248}$/),
    coordinator,
    chaincode,
    departments,
    orderer: {
      id: ordererId,
      names: names(o.names, `${source}.orderer.names`),
      domain: string(o, 'domain', `${source}.orderer`, DOMAIN),
      batch,
      fabricBatch,
    },
    fabricPeerTimeWindowMs,
    deadlines,
  };
}

export async function loadNetworkConfig(file = DEFAULT_CONFIG_PATH): Promise<NetworkConfig> {
  return parseNetworkConfig(await readFile(file, 'utf8'), file);
}

/** The InitLedger argument for this network (coordinator profile and deadlines). */
export function initLedgerConfig(config: NetworkConfig): {
  coordinator: Record<string, unknown>;
  deadlines: Record<string, number>;
} {
  const c = config.departments.find((d) => d.id === config.coordinator) as DepartmentConfig;
  return { coordinator: departmentProfile(c), deadlines: config.deadlines };
}

/** A department as the governance contract registers it. */
export function departmentProfile(d: DepartmentConfig): {
  id: string;
  nameZh: string;
  nameEn: string;
  level: DepartmentLevel;
  parent: string | null;
  verifies: SubjectKind[];
} {
  return {
    id: d.id,
    nameZh: d.names.zh,
    nameEn: d.names.en,
    level: d.level,
    parent: d.parent,
    verifies: d.verifies,
  };
}
