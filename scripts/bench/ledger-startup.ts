/**
 * Start-up time of a node whose ledger already holds many transactions. The ledger is written
 * straight into a node store (synthetic one-write transactions, not signed or validated) because
 * producing a million real transactions would take the benchmark most of an hour; start-up reads
 * only the recorded tip, so what the transactions contain does not change what is measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import {
  FORMAT_VERSION,
  ValidationCode,
  type Block,
  type Transaction,
} from '@shulian/proof/formats/embedded';
import { LedgerStore, type BlockRecord } from '../../network/embedded/store.js';
import type { TxUpdates } from '../../network/embedded/state.js';

const TX_PER_BLOCK = 1000;

function syntheticTx(n: number): Transaction {
  const key = `dataset\u0000v${n}\u0000`;
  const value = Buffer.from(
    JSON.stringify({ id: `v${n}`, digest: n.toString(16).padStart(64, '0') }),
  ).toString('base64');
  const txId = n.toString(16).padStart(64, '0');
  return {
    proposal: {
      version: FORMAT_VERSION,
      channel: 'shulian',
      chaincode: 'shulian',
      fcn: 'dataset:AnchorVersion',
      args: [],
      transientKeys: [],
      txId,
      nonce: '',
      timestamp: 1_700_000_000_000 + n,
      creator: { mspId: 'coord', certificate: '' },
    },
    clientSignature: '',
    payload: {
      txId,
      proposalHash: '',
      rwset: {
        reads: [],
        rangeReads: [],
        writes: [{ key, value, isDelete: false }],
        metadataWrites: [],
      },
      event: null,
      response: { status: 200, message: '', payload: '' },
    },
    endorsements: [],
  };
}

export async function measureStartup(totalTxs: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shulian-startup-'));
  const location = path.join(dir, 'ledger');
  try {
    const writeStart = performance.now();
    const store = await LedgerStore.open(location);
    for (let b = 0; b * TX_PER_BLOCK < totalTxs; b++) {
      const transactions = Array.from(
        { length: Math.min(TX_PER_BLOCK, totalTxs - b * TX_PER_BLOCK) },
        (_, i) => syntheticTx(b * TX_PER_BLOCK + i),
      );
      const block: Block = {
        header: {
          number: b,
          previousHash: store.tip.blockHash,
          dataHash: '',
          timestamp: 0,
          txCount: transactions.length,
        },
        transactions,
        ordererSignature: { orderer: { mspId: 'orderer', certificate: '' }, signature: '' },
      };
      const updates: TxUpdates[] = transactions.map((tx, i) => {
        const w = tx.payload.rwset.writes[0] as { key: string; value: string };
        const value = Buffer.from(w.value, 'base64');
        return {
          state: [{ key: w.key, entry: { value, version: { block: b, tx: i } } }],
          history: [
            {
              key: w.key,
              entry: {
                txId: tx.proposal.txId,
                timestamp: tx.proposal.timestamp,
                isDelete: false,
                value,
              },
            },
          ],
        };
      });
      const record: BlockRecord = {
        block,
        codes: transactions.map(() => ValidationCode.VALID),
        blockHash: b.toString(16).padStart(64, '0'),
        commitHash: '',
      };
      await store.commit(record, updates, false, canonicalBytes(block));
    }
    await store.close();
    const writeSeconds = (performance.now() - writeStart) / 1000;

    const started = performance.now();
    const reopened = await LedgerStore.open(location);
    const tip = reopened.tip;
    const probe = await reopened.get(`dataset\u0000v${totalTxs - 1}\u0000`);
    const located = await reopened.txLocation((totalTxs - 1).toString(16).padStart(64, '0'));
    const startupMs = performance.now() - started;
    await reopened.close();
    if (!probe || !located) throw new Error('the synthetic ledger lost its last transaction');
    return {
      transactions: totalTxs,
      blocks: tip.height,
      startupMs: Number(startupMs.toFixed(1)),
      targetMs: 3000,
      ledgerBuildSeconds: Number(writeSeconds.toFixed(1)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
