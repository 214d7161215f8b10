/**
 * The network file's strings are one byte per character where they can be. Sliced out of a file
 * that holds Chinese names, `shulian` or `psb` used to be two-byte strings, and so was every
 * block's JSON and ledger key built from them (4-5 times dearer to copy to native code, #18).
 * V8 says which kind a string is only to a process started with --allow-natives-syntax, whose
 * %DebugPrint names each string's type (ONE_BYTE_STRING_TYPE, CONS_ONE_BYTE_STRING_TYPE...).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@shulian/chaincode/canonical';
import { openTestNetwork, tempDir } from './helpers.js';

/**
 * Whether V8 holds a string one byte per character: its serializer writes a one-byte string
 * with tag '"' and a two-byte one with tag 'c', after padding (0) that aligns the latter.
 */
function oneByte(s: string): boolean {
  const bytes = serialize(s);
  let i = 2; // version header
  while (bytes[i] === 0) i += 1;
  if (bytes[i] !== 0x22 && bytes[i] !== 0x63) throw new Error(`unexpected tag ${bytes[i]}`);
  return bytes[i] === 0x22;
}

const config = fileURLToPath(new URL('../../network/embedded/config.ts', import.meta.url));

describe('network file strings', () => {
  it('stores ASCII names one byte per character, and so the JSON built from them', () => {
    const script = `
      const { loadNetworkConfig } = await import(${JSON.stringify(config)});
      const c = await loadNetworkConfig();
      const d = c.departments[0];
      for (const s of [
        c.chaincode.name,
        d.id,
        JSON.stringify({ chaincode: c.chaincode.name, department: d.id }),
        d.names.zh,
      ])
        %DebugPrint(s);`;
    const child = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    const kinds = [...child.stdout.matchAll(/^ - type: (\w+)$/gm)].map(([, type]) =>
      type!.includes('ONE_BYTE') ? 'one-byte' : 'two-byte',
    );
    // The chaincode name, a department id, JSON of both; a Chinese name cannot be one-byte.
    expect(kinds).toEqual(['one-byte', 'one-byte', 'one-byte', 'two-byte']);
  });

  it("keeps a committed block's JSON one byte per character when its data is ASCII", async () => {
    expect(oneByte('psb')).toBe(true);
    expect(oneByte('公安')).toBe(false);
    const { dir, cleanup } = await tempDir();
    const net = await openTestNetwork(dir);
    try {
      const alice = await net.identity('coord', 'alice');
      const committed = await net.submit(alice, 'Put', ['k', 'v']);
      const { block } = await net.blockRecord(committed.blockNumber, true);
      expect(oneByte(canonicalJson(committed.transaction))).toBe(true);
      expect(oneByte(canonicalJson(block))).toBe(true);
      expect(oneByte(canonicalJson(block.header))).toBe(true);
    } finally {
      await net.close();
      await cleanup();
    }
  });
});
