/**
 * The verification path must bundle for browsers: no node: built-ins, nothing that needs Buffer.
 * esbuild fails to resolve a node: import under platform 'browser', which is the guard.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('bundles verifyBundle with the browser crypto, without node built-ins', async () => {
    const result = await build({
      stdin: {
        contents: [
          "export { verifyBundle } from '@shulian/proof/bundle';",
          "export { browserProofCrypto } from '@shulian/proof/browser';",
          "export { commitFile } from '@shulian/proof/chunks';",
          "export { verifyRecordProof } from '@shulian/proof/records';",
        ].join('\n'),
        resolveDir: new URL('../..', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bBuffer\.|require\("node:|from "node:/);
  }, 60_000);
});
