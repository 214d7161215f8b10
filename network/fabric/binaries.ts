/**
 * Where Shulian finds Hyperledger Fabric: a directory laid out like Fabric's official release
 * archive (bin/, builders/ccaas/bin/, config/), named by FABRIC_HOME or by default
 * ~/.cache/shulian/fabric. The project never ships or builds Fabric; when a file is missing,
 * the error names it and says how to get the archive.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const FABRIC_VERSION = '3.1.5';

export const DEFAULT_FABRIC_HOME = path.join(homedir(), '.cache', 'shulian', 'fabric');

/** The files of the release archive that the network scripts run or read. */
export const REQUIRED_FILES = [
  'bin/peer',
  'bin/orderer',
  'bin/configtxgen',
  'bin/osnadmin',
  'builders/ccaas/bin/detect',
  'builders/ccaas/bin/build',
  'builders/ccaas/bin/release',
  'config/core.yaml',
  'config/orderer.yaml',
] as const;

export class FabricNotFoundError extends Error {
  readonly code = 'FABRIC_NOT_FOUND';
  constructor(
    readonly home: string,
    readonly missing: string[],
  ) {
    super(
      `Hyperledger Fabric is not installed where Shulian looks (${home}): missing ${missing
        .map((f) => path.join(home, f))
        .join(', ')}.\n` +
        `Download Fabric's official release archive for your platform, v${FABRIC_VERSION} ` +
        `(hyperledger-fabric-<os>-<arch>-${FABRIC_VERSION}.tar.gz from ` +
        `https://github.com/hyperledger/fabric/releases/tag/v${FABRIC_VERSION}), and unpack it ` +
        `into that directory (mkdir -p "${home}" && tar -xzf <archive> -C "${home}"), or set ` +
        `FABRIC_HOME to the directory where you unpacked it.`,
    );
    this.name = 'FabricNotFoundError';
  }
}

export interface FabricHome {
  home: string;
  bin(name: 'peer' | 'orderer' | 'configtxgen' | 'osnadmin'): string;
  /** The external builder directory that core.yaml names (holds bin/detect, build, release). */
  ccaasBuilder: string;
  /** Fabric's sample core.yaml and orderer.yaml, the base of the generated ones. */
  configDir: string;
}

/** The Fabric installation, or FabricNotFoundError listing every missing file. */
export function findFabric(env: NodeJS.ProcessEnv = process.env): FabricHome {
  const home = path.resolve(env.FABRIC_HOME || DEFAULT_FABRIC_HOME);
  const missing = REQUIRED_FILES.filter((file) => {
    try {
      accessSync(
        path.join(home, file),
        file.startsWith('config/') ? constants.R_OK : constants.X_OK,
      );
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new FabricNotFoundError(home, missing);
  return {
    home,
    bin: (name) => path.join(home, 'bin', name),
    ccaasBuilder: path.join(home, 'builders', 'ccaas'),
    configDir: path.join(home, 'config'),
  };
}
