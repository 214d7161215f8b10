import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../../network/embedded/format.js';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { openTestNetwork, tempDir } from './helpers.js';

describe('key-level policies within one block', () => {
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

  /** A transaction endorsed by coord and psb on the current committed state. */
  const endorsed = async (fcn: string, args: string[]): Promise<Transaction> => {
    const { proposal, clientSignature } = createProposal(alice, {
      channel: net.config.channel,
      chaincode: net.config.chaincode.name,
      fcn,
      args,
    });
    const a = await net.node('coord').endorse(proposal, clientSignature, {});
    const b = await net.node('psb').endorse(proposal, clientSignature, {});
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
});
