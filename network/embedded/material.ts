/**
 * Crypto material of a network on disk, as Fabric's cryptogen lays it out per organisation:
 * each department's CA and peer identity and its wallet of user identities live under that
 * department's own directory; the orderer's under its own. The channel's view of the members
 * (their CA certificates) is fixed when the network is first created, so a department whose
 * directory is lost cannot silently come back with a different CA.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from './crypto.js';
import { writeFileDurably } from './durable-file.js';
import { LedgerError } from './errors.js';
import {
  CertificateAuthority,
  fromStored,
  toStored,
  type NodeOU,
  type SigningIdentity,
  type StoredIdentity,
} from './identity.js';

export interface OrgMaterial {
  ca: CertificateAuthority;
  /** The peer's (or orderer's) own signing identity. */
  node: SigningIdentity;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Durably (./durable-file.ts), so a crash or power loss never leaves half a key file. */
const writeJson = (file: string, value: unknown): Promise<void> =>
  writeFileDurably(file, JSON.stringify(value, null, 2), 0o600);

export const orgDir = (dataDir: string, id: string, isOrderer: boolean): string =>
  isOrderer ? path.join(dataDir, 'orderer') : path.join(dataDir, 'departments', id);

/** Loads or creates an organisation's CA and node identity. */
export async function orgMaterial(
  dir: string,
  mspId: string,
  nodeName: string,
  ou: NodeOU,
): Promise<OrgMaterial> {
  const caFile = path.join(dir, 'msp', 'ca.json');
  const nodeFile = path.join(dir, 'msp', 'node.json');
  const storedCa = await readJson<StoredIdentity>(caFile);
  const ca = storedCa
    ? await CertificateAuthority.fromStored(storedCa)
    : await CertificateAuthority.create(mspId);
  if (!storedCa) await writeJson(caFile, await ca.toStored());
  const storedNode = await readJson<StoredIdentity>(nodeFile);
  const node = storedNode ? fromStored(storedNode) : await ca.issue(nodeName, ou);
  if (!storedNode) await writeJson(nodeFile, toStored(node));
  return { ca, node };
}

/** The channel's member CAs, recorded once; later opens must present the same CAs. */
export async function channelMembers(
  dataDir: string,
  cas: Record<string, string>,
): Promise<Record<string, string>> {
  const file = path.join(dataDir, 'channel.json');
  const recorded = await readJson<{ cas: Record<string, string> }>(file);
  if (!recorded) {
    await writeJson(file, { cas });
    return cas;
  }
  for (const [id, pem] of Object.entries(cas)) {
    if (recorded.cas[id] !== undefined && recorded.cas[id] !== pem) {
      throw new LedgerError(
        'CRYPTO_MATERIAL_MISMATCH',
        `the CA of ${id} differs from the one the channel was created with (${file}); restore its msp directory`,
      );
    }
  }
  // Departments added to departments.yaml later join with their new CA.
  const merged = { ...cas, ...recorded.cas };
  if (Object.keys(merged).length !== Object.keys(recorded.cas).length)
    await writeJson(file, { cas: merged });
  return merged;
}

const USER = /^[\p{L}\p{N}._@-]{1,64}$/u;

/** A department's wallet: user identities issued on demand by its CA, kept in its directory. */
export class Wallet {
  private readonly cache = new Map<string, Promise<SigningIdentity>>();

  constructor(
    private readonly dir: string,
    private readonly ca: CertificateAuthority,
  ) {}

  identity(
    user: string,
    ou: NodeOU = 'client',
    attrs: Record<string, string> = {},
  ): Promise<SigningIdentity> {
    if (!USER.test(user))
      return Promise.reject(
        new LedgerError(
          'INVALID_IDENTITY_NAME',
          `invalid user name ${JSON.stringify(user)}: 1 to 64 letters, digits, '.', '_', '@' or '-'`,
        ),
      );
    const key = `${ou}:${user}:${JSON.stringify(Object.entries(attrs).sort())}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.load(user, ou, attrs);
      this.cache.set(key, found);
      found.catch(() => this.cache.delete(key));
    }
    return found;
  }

  private async load(
    user: string,
    ou: NodeOU,
    attrs: Record<string, string>,
  ): Promise<SigningIdentity> {
    const suffix =
      Object.keys(attrs).length === 0
        ? ''
        : `.${sha256Hex(Buffer.from(JSON.stringify(Object.entries(attrs).sort()))).slice(0, 16)}`;
    const file = path.join(this.dir, 'wallet', `${encodeURIComponent(user)}.${ou}${suffix}.json`);
    const stored = await readJson<StoredIdentity>(file);
    if (stored) return fromStored(stored);
    const issued = await this.ca.issue(user, ou, attrs);
    await writeJson(file, toStored(issued));
    return issued;
  }
}

/** Where a department's key material is backed up when first seen: `<dataDir>/key-backups/<id>`. */
export const backupDir = (dataDir: string, id: string): string =>
  path.join(dataDir, 'key-backups', id);

const MSP_FILES = ['ca.json', 'node.json'];

/** The channel's recorded member CAs (channel.json), or undefined for a new network. */
export async function recordedMembers(
  dataDir: string,
): Promise<Record<string, string> | undefined> {
  return (await readJson<{ cas: Record<string, string> }>(path.join(dataDir, 'channel.json')))?.cas;
}

/** True when an organisation's CA key is on disk. */
export async function hasMaterial(dir: string): Promise<boolean> {
  return (await readJson<unknown>(path.join(dir, 'msp', 'ca.json'))) !== undefined;
}

/**
 * Copies a department's CA and node identity into its backup folder unless a backup is there
 * already (durably, as every key file). Its wallet is not backed up: user identities are
 * re-issued by the CA on first use.
 */
export async function backupMaterial(dir: string, backup: string): Promise<void> {
  for (const name of MSP_FILES) {
    const target = path.join(backup, 'msp', name);
    if ((await readJson<unknown>(target)) !== undefined) continue;
    const stored = await readJson<unknown>(path.join(dir, 'msp', name));
    if (stored !== undefined) await writeJson(target, stored);
  }
}

/**
 * Puts a lost department's key material back from its backup; false (nothing written) when the
 * backup lacks the CA or the node identity.
 */
export async function restoreMaterial(backup: string, dir: string): Promise<boolean> {
  const files = await Promise.all(
    MSP_FILES.map((name) => readJson<unknown>(path.join(backup, 'msp', name))),
  );
  if (files.some((f) => f === undefined)) return false;
  for (const [i, name] of MSP_FILES.entries())
    await writeJson(path.join(dir, 'msp', name), files[i]);
  return true;
}
