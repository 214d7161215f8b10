import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '@shulian/proof/formats/embedded';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { openTestNetwork, tempDir } from './helpers.js';

describe('key-level policies and MVCC at block validation', () => {
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;
  let alice: SigningIdentity;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    // A long timeout and a large count: both transactions below land in one block.
    net = await openTestNetwork(dir, { batch: { timeoutMs: 200, maxMessageCount: 100 } });
    alice = await net.identity('coord', 'alice');
    await net.submit(alice, 'Put', ['owned', 'v0']);
  });
  afterAll(async () => {
    await net.close();
    await cleanup();
  });

  /** A transaction endorsed (by coord and psb unless told) on the current committed state. */
  const endorsed = async (
    fcn: string,
    args: string[],
    by: [string, string] = ['coord', 'psb'],
  ): Promise<Transaction> => {
    const { proposal, clientSignature } = createProposal(alice, {
      channel: net.config.channel,
      chaincode: net.config.chaincode.name,
      fcn,
      args,
    });
    const a = await net.node(by[0]).endorse(proposal, clientSignature, {});
    const b = await net.node(by[1]).endorse(proposal, clientSignature, {});
    return {
      proposal,
      clientSignature,
      payload: a.payload,
      endorsements: [a.endorsement, b.endorsement],
    };
  };

  it('invalidates a later write to a key whose policy an earlier transaction of the block changed, as Fabric does', async () => {
    const setOwner = await endorsed('SetOwners', ['owned', 'psb']);
    // A blind write, endorsed by peers that satisfy both the old and the new policy.
    const write = await endorsed('Put', ['owned', 'v1']);
    const [first, second] = await Promise.all([
      net.orderer.broadcast(setOwner),
      net.orderer.broadcast(write),
    ]);
    expect(second?.blockNumber).toBe(first?.blockNumber);
    const record = await net.node('amr').waitForBlock(first.blockNumber);
    expect([record.codes[first.index], record.codes[second.index]]).toEqual([
      'VALID',
      'ENDORSEMENT_POLICY_FAILURE',
    ]);
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
  });

  it('a write that lost a same-block race for a key policy is a retryable KEY_POLICY_CONFLICT, and a resubmission commits', async () => {
    await net.submit(alice, 'Put', ['anchored', 'v0']);
    // Two writers re-set one key's policy at once (as two anchors to one catalog entry do).
    const results = await Promise.allSettled([
      net.submit(alice, 'SetOwners', ['anchored', 'coord,psb']),
      net.submit(alice, 'SetOwners', ['anchored', 'coord,psb']),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toMatchObject({ code: 'KEY_POLICY_CONFLICT', retryable: true });
    expect((failed[0]?.reason as Error).message).toMatch(
      /changed the endorsement policy of anchored/,
    );
    await expect(net.submit(alice, 'SetOwners', ['anchored', 'coord,psb'])).resolves.toBeDefined();
  });

  /** Orders the transactions together and returns their codes on one node. */
  const inOneBlock = async (txs: Transaction[]): Promise<string[]> => {
    const at = await Promise.all(txs.map((tx) => net.orderer.broadcast(tx)));
    expect(new Set(at.map((p) => p.blockNumber)).size).toBe(1);
    const record = await net.node('health').waitForBlock(at[0]?.blockNumber ?? -1);
    return at.map((p) => record.codes[p.index] ?? '');
  };

  it("applies the key's policy to deletes and to policy changes, not only to value writes", async () => {
    // 'owned' now needs psb; coord and amr satisfy the chaincode-level policy only.
    const byOthers: [string, string] = ['coord', 'amr'];
    expect(await inOneBlock([await endorsed('Del', ['owned'], byOthers)])).toEqual([
      'ENDORSEMENT_POLICY_FAILURE',
    ]);
    expect(await inOneBlock([await endorsed('SetOwners', ['owned', 'amr'], byOthers)])).toEqual([
      'ENDORSEMENT_POLICY_FAILURE',
    ]);
    expect(await inOneBlock([await endorsed('Del', ['owned'])])).toEqual(['VALID']);
  });

  it('conflicts a read of an absent key that an earlier transaction of the block created', async () => {
    const first = await endorsed('Increment', ['fresh']);
    const second = await endorsed('Increment', ['fresh']);
    expect(await inOneBlock([first, second])).toEqual(['VALID', 'MVCC_READ_CONFLICT']);
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
  });
});
