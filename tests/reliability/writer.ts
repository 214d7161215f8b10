/**
 * Child process for the crash test: opens the embedded network in the given directory and
 * writes as fast as it can from several concurrent clients, printing `ACK <txId>` for every
 * transaction whose commit was acknowledged. The parent kills it with SIGKILL at a random moment.
 */
import { EmbeddedNetwork } from '../../network/embedded/network.js';
import { loadNetworkConfig } from '../../network/embedded/config.js';
import { TestContract } from '../network/fixtures/test-contract.js';

const [dataDir, run = '0'] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: writer.ts <dataDir> [run]');

const net = await EmbeddedNetwork.open({
  dataDir,
  config: await loadNetworkConfig(),
  chaincode: { contracts: [TestContract] },
  durable: true,
  batch: { timeoutMs: 5, maxMessageCount: 8 },
});
const writers = await Promise.all(
  ['coord', 'psb', 'amr', 'health'].map((d) => net.identity(d, `writer-${d}`)),
);
process.stdout.write('READY\n');

await Promise.all(
  Array.from({ length: 8 }, async (_, w) => {
    const identity = writers[w % writers.length];
    if (!identity) return;
    for (let seq = 0; ; seq++) {
      const r = await net.submit(identity, 'Put', [`run${run}-w${w}-${seq}`, `${seq}`]);
      process.stdout.write(`ACK ${r.txId}\n`);
    }
  }),
);
