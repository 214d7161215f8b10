/**
 * The API acceptance suite (tests/acceptance/, the same files the embedded engine runs) on
 * Fabric: after global-setup.ts started a network, point the gateway the suite starts (and the
 * CLI it runs) at it. Workers and the processes they spawn inherit this environment.
 */
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  process.env.LEDGER = 'fabric';
  process.env.SHULIAN_FABRIC_DIR = project.getProvidedContext().fabricDir;
}
