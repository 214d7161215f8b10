import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationCode } from '@shulian/proof/formats/embedded';
import { openTestNetwork, tempDir } from '../network/helpers.js';

const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
const KILLS = Number(process.env.RELIABILITY_KILLS ?? 20);

/** Runs the writer until a random moment after its first acknowledgement, then SIGKILLs it. */
function writeAndKill(dataDir: string, run: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(run)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ACK ')) acked.push(line.slice(4));
        // The kill lands anywhere in the write load: during endorsement, ordering, or a block commit.
        if (acked.length === 1 && !timer)
          timer = setTimeout(() => child.kill('SIGKILL'), 50 + Math.random() * 1500);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited on its own (${String(_code)}): ${stderr}`));
    });
  });
}

describe('crash safety: kill -9 under write load', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('shulian-crash-')));
  afterAll(async () => cleanup());

  it(`loses no acknowledged transaction across ${KILLS} kills, and every node verifies and agrees`, async () => {
    const all: string[] = [];
    for (let run = 0; run < KILLS; run++) {
      const acked = await writeAndKill(dir, run);
      expect(acked.length).toBeGreaterThan(0);
      all.push(...acked);
      const net = await openTestNetwork(dir, { durable: true });
      try {
        await net.settle();
        for (const txId of all) {
          const { record, index } = await net.findTransaction(txId);
          expect(record.codes[index], `run ${run}: ${txId}`).toBe(ValidationCode.VALID);
        }
        const report = await net.verify();
        expect(report.divergences, `run ${run}`).toEqual([]);
        const states = net.nodeStates();
        expect(
          new Set(states.map((s) => `${s.height}/${s.commitHash}`)).size,
          `run ${run}: ${JSON.stringify(states)}`,
        ).toBe(1);
        expect(states[0]?.height).toBe(net.orderer.height);
      } finally {
        await net.close();
      }
    }
    expect(all.length).toBeGreaterThan(KILLS);
  });
});
