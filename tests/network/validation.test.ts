import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '@shulian/proof/formats/embedded';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import { CertificateAuthority } from '../../network/embedded/identity.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { openTestNetwork, tempDir } from './helpers.js';

/** Orders a transaction directly (bypassing the client checks) and returns its code on each node. */
async function order(net: EmbeddedNetwork, tx: Transaction): Promise<string[]> {
  const { blockNumber, index } = await net.orderer.broadcast(tx);
  await net.settle();
  return Promise.all(
    net.nodes.map(async (n) => (await n.waitForBlock(blockNumber)).codes[index] ?? ''),
  );
}

const flipBase64 = (s: string): string =>
  s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`;

describe('block validation codes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;
  let alice: SigningIdentity;
  let good: Transaction;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    net = await openTestNetwork(dir);
    alice = await net.identity('coord', 'alice');
    good = (await net.submit(alice, 'Put', ['k', 'v'])).transaction;
  });
  afterAll(async () => {
    await net.close();
    await cleanup();
  });

  it('marks a replayed transaction DUPLICATE_TXID on every node', async () => {
    expect(await order(net, good)).toEqual([
      'DUPLICATE_TXID',
      'DUPLICATE_TXID',
      'DUPLICATE_TXID',
      'DUPLICATE_TXID',
    ]);
  });

  it('rejects a changed proposal (BAD_CREATOR_SIGNATURE) and a forged transaction id', async () => {
    const fresh = (await net.submit(alice, 'Put', ['k2', 'v'])).transaction;
    const { proposal, clientSignature } = createProposal(alice, {
      ...fresh.proposal,
      args: ['k3', 'v'],
    });
    expect(
      await order(net, {
        ...fresh,
        proposal: { ...proposal, args: ['k3', 'evil'] },
        clientSignature,
      }),
    ).toEqual(Array(4).fill('BAD_CREATOR_SIGNATURE'));
    expect(
      await order(net, { ...fresh, proposal: { ...fresh.proposal, txId: 'f'.repeat(64) } }),
    ).toEqual(Array(4).fill('BAD_PROPOSAL_TXID'));
  });

  it('rejects endorsements that do not verify or do not meet the policy', async () => {
    // Each case needs its own transaction id: an invalidated id is spent, as on Fabric.
    let n = 0;
    const endorsedTwice = async () => {
      const { proposal, clientSignature } = createProposal(alice, {
        ...good.proposal,
        args: [`e${n++}`, 'v'],
      });
      const a = await net.node('coord').endorse(proposal, clientSignature, {});
      const b = await net.node('psb').endorse(proposal, clientSignature, {});
      return { proposal, clientSignature, payload: a.payload, a: a.endorsement, b: b.endorsement };
    };
    type Endorsed = Awaited<ReturnType<typeof endorsedTwice>>;
    const tx = (
      e: Endorsed,
      endorsements: Transaction['endorsements'],
      payload = e.payload,
    ): Transaction => ({
      proposal: e.proposal,
      clientSignature: e.clientSignature,
      payload,
      endorsements,
    });
    const invalid = Array(4).fill('ENDORSEMENT_POLICY_FAILURE');
    // One endorsement of OutOf(2): not enough.
    const one = await endorsedTwice();
    expect(await order(net, tx(one, [one.a]))).toEqual(invalid);
    // A signature that does not verify is ignored, leaving one.
    const forged = await endorsedTwice();
    const badSig = { ...forged.b, signature: flipBase64(forged.b.signature) };
    expect(await order(net, tx(forged, [forged.a, badSig]))).toEqual(invalid);
    // The same endorsement twice counts once.
    const twice = await endorsedTwice();
    expect(await order(net, tx(twice, [twice.a, twice.a]))).toEqual(invalid);
    // A payload changed after endorsement no longer matches the signatures.
    const changed = await endorsedTwice();
    const payload = {
      ...changed.payload,
      response: { ...changed.payload.response, payload: Buffer.from('x').toString('base64') },
    };
    expect(await order(net, tx(changed, [changed.a, changed.b], payload))).toEqual(invalid);
    // And the untouched pair is valid.
    const fine = await endorsedTwice();
    expect(await order(net, tx(fine, [fine.a, fine.b]))).toEqual(Array(4).fill('VALID'));
  });

  it('rejects a creator whose certificate no channel member issued', async () => {
    const rogueCa = await CertificateAuthority.create('coord');
    const rogue = await rogueCa.issue('mallory', 'client');
    await expect(net.submit(rogue, 'Put', ['k6', 'v'])).rejects.toMatchObject({
      code: 'BAD_CREATOR_SIGNATURE',
    });
    const { proposal, clientSignature } = createProposal(rogue, {
      ...good.proposal,
      args: ['k6', 'v'],
    });
    const tx: Transaction = { ...good, proposal, clientSignature };
    expect(await order(net, tx)).toEqual(Array(4).fill('BAD_CREATOR_SIGNATURE'));
  });

  it('marks a malformed transaction invalid (BAD_PAYLOAD) without halting any node', async () => {
    const fresh = (await net.submit(alice, 'Put', ['k7', 'v'])).transaction;
    const { proposal, clientSignature } = createProposal(alice, {
      ...fresh.proposal,
      args: ['k8', 'v'],
    });
    // Not a Transaction's shape: whoever got it ordered, the nodes must not trust its structure.
    const malformed = {
      ...fresh,
      proposal,
      clientSignature,
      payload: { ...fresh.payload, rwset: { writes: 'k8' } },
    } as unknown as Transaction;
    expect(await order(net, malformed)).toEqual(Array(4).fill('BAD_PAYLOAD'));
    expect(net.nodeStates().filter((s) => s.halted)).toEqual([]);
    await net.submit(alice, 'Put', ['k9', 'v']);
  });

  it('leaves every node in agreement after all of the above', async () => {
    expect((await net.verify()).ok).toBe(true);
  });
});
