import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { openTestNetwork, tempDir } from './helpers.js';

describe('paginated range reads at validation', () => {
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;
  let alice: SigningIdentity;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    net = await openTestNetwork(dir);
    alice = await net.identity('coord', 'alice');
    for (const k of ['p0', 'p1', 'p2', 'p3', 'p4']) await net.submit(alice, 'Put', [k, 'v']);
  });
  afterAll(async () => {
    await net.close();
    await cleanup();
  });

  it('commits a later page: the range read starts at the bookmark, as Fabric records it', async () => {
    const page = JSON.parse(
      Buffer.from((await net.submit(alice, 'Paged', ['p0', 'p9', '2', 'p2'])).payload).toString(),
    ) as { keys: string[] };
    expect(page.keys).toEqual(['p2', 'p3']);
  });

  it('still detects a phantom inside the page that was read', async () => {
    const { proposal, clientSignature } = createProposal(alice, {
      channel: net.config.channel,
      chaincode: net.config.chaincode.name,
      fcn: 'Paged',
      args: ['p0', 'p9', '2', 'p2'],
    });
    const a = await net.node('coord').endorse(proposal, clientSignature, {});
    const b = await net.node('psb').endorse(proposal, clientSignature, {});
    // p25 lands between p2 and p3, inside the page already read.
    await net.submit(alice, 'Put', ['p25', 'v']);
    const { blockNumber, index } = await net.orderer.broadcast({
      proposal,
      clientSignature,
      payload: a.payload,
      endorsements: [a.endorsement, b.endorsement],
    });
    expect((await net.node('coord').waitForBlock(blockNumber)).codes[index]).toBe(
      'PHANTOM_READ_CONFLICT',
    );
  });
});
