import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNetworkConfig, type NetworkConfig } from '../../network/embedded/config.js';
import { EmbeddedNetwork, type NetworkOptions } from '../../network/embedded/network.js';
import { TestContract } from './fixtures/test-contract.js';

export async function tempDir(
  prefix = 'shulian-net-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A network of the departments in departments.yaml running the test contract. */
export async function openTestNetwork(
  dataDir: string,
  overrides: Partial<NetworkOptions> = {},
  config?: NetworkConfig,
): Promise<EmbeddedNetwork> {
  return EmbeddedNetwork.open({
    dataDir,
    config: config ?? (await loadNetworkConfig()),
    chaincode: { contracts: [TestContract] },
    durable: false,
    batch: { timeoutMs: 5 },
    ...overrides,
  });
}

/** The process warnings emitted until `stop`, with their codes. */
export function collectWarnings(): {
  seen: { code?: string; message: string }[];
  stop: () => void;
} {
  const seen: { code?: string; message: string }[] = [];
  const listener = (warning: Error & { code?: string }): void => {
    seen.push({ code: warning.code, message: warning.message });
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}
