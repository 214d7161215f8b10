/**
 * Work the orderer and the nodes of one process share (#18): a block's data hash, its commit
 * hash, a transaction's shape and a proposal's protobuf are computed once for sealed (deeply
 * frozen) objects. What is shared is always a value computed from the objects, never a claim a
 * block makes: each node still compares it with what it received and refuses a lie.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeTransaction,
  ValidationCode,
  type Block,
  type Transaction,
} from '@shulian/proof/formats/embedded';
import { sha256Hex } from '../../network/embedded/crypto.js';
import {
  CertificateAuthority,
  MspVerifier,
  signerRef,
  signWith,
} from '../../network/embedded/identity.js';
import { merkleRoot } from '../../network/embedded/merkle.js';
import { parsePolicy } from '../../network/embedded/policy.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { signedProposalPb } from '../../network/embedded/stub.js';
import {
  BlockError,
  checkBlock,
  commitHash,
  dataHash,
  sealBlock,
  sealTransaction,
  type ValidationContext,
} from '../../network/embedded/validator.js';
import { encodeHeader } from '@shulian/proof/formats/embedded';

let serial = 0;
const tx = (): Transaction =>
  ({
    proposal: { txId: `t${serial++}`, args: ['a', 'b'] },
    clientSignature: 'c2ln',
    payload: { rwset: { writes: [{ key: `k${serial}`, value: 'dg==' }], metadataWrites: [] } },
    endorsements: [],
  }) as unknown as Transaction;

async function orderer() {
  const ca = await CertificateAuthority.create('orderer');
  const identity = await ca.issue('orderer0', 'orderer');
  const ctx: ValidationContext = {
    channel: 'c',
    chaincode: 'cc',
    msp: new MspVerifier({ orderer: ca.certificate }),
    ordererMspId: 'orderer',
    policy: parsePolicy("OutOf(1, 'orderer.peer')", ['orderer']),
  };
  /** A sealed block of `txs` whose header claims `claimed` (default: the true root). */
  const block = (txs: readonly Transaction[], encoded: Uint8Array[], claimed?: string): Block => {
    const header = {
      number: 0,
      previousHash: '',
      dataHash: claimed ?? merkleRoot(encoded),
      timestamp: 1,
      txCount: txs.length,
    };
    const b: Block = {
      header,
      transactions: txs as Transaction[],
      ordererSignature: {
        orderer: signerRef(identity),
        signature: signWith(identity, encodeHeader(header)),
      },
    };
    sealBlock(b, encoded);
    return b;
  };
  return { ctx, block };
}

describe('work shared by the nodes of one process', () => {
  it('a data hash is computed from the transactions, and a block claiming another is refused by every node', async () => {
    const { ctx, block } = await orderer();
    const txs = Object.freeze([tx(), tx()]);
    const encoded = txs.map((t) => sealTransaction(t).transaction);
    const root = merkleRoot(encoded);
    expect(dataHash(txs, encoded)).toBe(root);
    const lying = block(txs, encoded, sha256Hex(Buffer.from('another root')));
    for (let node = 0; node < 4; node++) {
      expect(() => checkBlock(lying, '', ctx)).toThrow(BlockError);
      expect(() => checkBlock(lying, '', ctx)).toThrow(/dataHash does not match/);
    }
    expect(() => checkBlock(block(txs, encoded), '', ctx)).not.toThrow();
    // Encodings other than the sealed ones are hashed anew, never answered from the memo.
    const changed = encoded.map((e) => Buffer.from(e));
    const second = changed[1] as Buffer;
    second[5] = (second[5] as number) ^ 1;
    expect(dataHash(txs, changed)).toBe(merkleRoot(changed));
    expect(dataHash(txs, changed)).not.toBe(root);
    // So is an array that can still change.
    const open = [...txs];
    expect(dataHash(open, encoded)).toBe(root);
  });

  it("a sealed block's commit hash is the one computed from a fresh copy, for each input", async () => {
    const { block } = await orderer();
    const txs = Object.freeze([tx(), tx()]);
    const sealed = block(
      txs,
      txs.map((t) => sealTransaction(t).transaction),
    );
    const fresh = structuredClone(sealed);
    const previous = sha256Hex(Buffer.from('previous'));
    const other = sha256Hex(Buffer.from('other'));
    const bothValid = [ValidationCode.VALID, ValidationCode.VALID];
    const secondInvalid = [ValidationCode.VALID, ValidationCode.MVCC_READ_CONFLICT];
    for (const [p, codes] of [
      [previous, bothValid],
      [previous, secondInvalid],
      [other, bothValid],
      [previous, bothValid],
    ] as const) {
      expect(commitHash(p, sealed, [...codes])).toBe(commitHash(p, fresh, [...codes]));
    }
    expect(commitHash(previous, sealed, bothValid)).not.toBe(
      commitHash(previous, sealed, secondInvalid),
    );
    expect(commitHash(previous, sealed, bothValid)).not.toBe(commitHash(other, sealed, bothValid));
  });

  it("a sealed proposal's protobuf is built once, and each endorser gets its own equal copy", async () => {
    const ca = await CertificateAuthority.create('psb');
    const client = await ca.issue('alice', 'client');
    const { proposal, clientSignature } = createProposal(client, {
      channel: 'c',
      chaincode: 'cc',
      fcn: 'f',
      args: ['x'],
      transientKeys: [],
    });
    const first = signedProposalPb(proposal, clientSignature, {});
    const second = signedProposalPb(proposal, clientSignature, {});
    const fresh = signedProposalPb(structuredClone(proposal), clientSignature, {});
    expect(second.signed.getProposalBytes_asU8()).toEqual(fresh.signed.getProposalBytes_asU8());
    expect(first.signed.getProposalBytes_asU8()).toEqual(fresh.signed.getProposalBytes_asU8());
    expect(second.signed.getProposalBytes_asU8()).not.toBe(first.signed.getProposalBytes_asU8());
    expect(second.signed.serializeBinary()).toEqual(fresh.signed.serializeBinary());
    expect(second.input.getArgsList_asU8()).toEqual(fresh.input.getArgsList_asU8());
  });

  it('the transaction bytes are the same whether encoded from a sealed or a fresh transaction', () => {
    const t = tx();
    const sealed = sealTransaction(t).transaction;
    expect(Buffer.from(sealed)).toEqual(Buffer.from(encodeTransaction(structuredClone(t))));
  });
});
