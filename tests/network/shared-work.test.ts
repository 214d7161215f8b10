/**
 * Work the orderer and the nodes of one process share (#18), computed once for sealed (deeply
 * frozen) objects: the shared value is always computed from the objects themselves.
 */
import { describe, expect, it } from 'vitest';
import { encodeTransaction, type Transaction } from '@shulian/proof/formats/embedded';
import { CertificateAuthority } from '../../network/embedded/identity.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { signedProposalPb } from '../../network/embedded/stub.js';
import { sealTransaction } from '../../network/embedded/validator.js';

let serial = 0;
const tx = (): Transaction =>
  ({
    proposal: { txId: `t${serial++}`, args: ['a', 'b'] },
    clientSignature: 'c2ln',
    payload: { rwset: { writes: [{ key: `k${serial}`, value: 'dg==' }], metadataWrites: [] } },
    endorsements: [],
  }) as unknown as Transaction;

describe('work shared by the nodes of one process', () => {
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
