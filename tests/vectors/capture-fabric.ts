/**
 * Captures the Fabric evidence vector (tests/vectors/fabric-evidence.json) from a running network
 * made by `npm run fabric:up`: the proof material of the first chaincode transaction after the
 * chaincode's lifecycle (InitLedger) and the trust file. Only public material is written.
 *
 *   npx tsx tests/vectors/capture-fabric.ts <fabric dir>
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TX } from '@shulian/chaincode/constants';
import { openFabricLedger } from '../../gateway/src/ledger/fabric-profile.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: capture-fabric.ts <fabric dir>');
const ledger = await openFabricLedger({ fabricDir: dir });
try {
  const { height } = await ledger.status();
  let txId: string | undefined;
  for (let n = 0; n < height && !txId; n++) {
    const event = await ledger.getBlockEvent(n);
    txId = event.transactions.find((t) => t.fcn === TX.governance.InitLedger)?.txId;
  }
  if (!txId) throw new Error('no InitLedger transaction on this network');
  const proof = await ledger.getTransactionProof(txId);
  const file = path.join(import.meta.dirname, 'fabric-evidence.json');
  await writeFile(
    file,
    JSON.stringify({ txId, trust: ledger.trust, evidence: proof.material }, null, 2) + '\n',
  );
  process.stdout.write(`wrote ${file}\n`);
} finally {
  await ledger.close();
}
