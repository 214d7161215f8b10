import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworkConfig } from '../../network/embedded/config.js';
import type { Transaction } from '@shulian/proof/formats/embedded';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { signerRef, signWith } from '../../network/embedded/identity.js';
import { parsePolicy } from '../../network/embedded/policy.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { openTestNetwork, tempDir } from './helpers.js';

/**
 * Fabric deduplicates the endorsements' identities (MSP id and a hash of the certificate) before
 * it evaluates a policy, so one peer counts once however its certificate is presented.
 */
describe('one endorser presented twice', () => {
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    const config = await loadNetworkConfig();
    const ids = config.departments.map((d) => d.id);
    // Two signatures of coord's members: its peer and, say, one of its clients.
    const endorsementPolicy = "OutOf(2, 'coord.member', 'coord.member')";
    net = await openTestNetwork(
      dir,
      {},
      {
        ...config,
        chaincode: {
          ...config.chaincode,
          endorsementPolicy,
          policy: parsePolicy(endorsementPolicy, ids),
        },
      },
    );
  });
  afterAll(async () => {
    await net.close();
    await cleanup();
  });

  it('counts once when the same certificate is re-encoded (other PEM line endings)', async () => {
    const alice = await net.identity('coord', 'alice');
    const { proposal, clientSignature } = createProposal(alice, {
      channel: net.config.channel,
      chaincode: net.config.chaincode.name,
      fcn: 'Put',
      args: ['k', 'v'],
    });
    const { payload, endorsement } = await net.node('coord').endorse(proposal, clientSignature, {});
    const reencoded = {
      ...endorsement,
      endorser: {
        ...endorsement.endorser,
        certificate: endorsement.endorser.certificate.replace(/\n/g, '\r\n'),
      },
    };
    const tx: Transaction = {
      proposal,
      clientSignature,
      payload,
      endorsements: [endorsement, reencoded],
    };
    const { blockNumber, index } = await net.orderer.broadcast(tx);
    expect((await net.node('coord').waitForBlock(blockNumber)).codes[index]).toBe(
      'ENDORSEMENT_POLICY_FAILURE',
    );
  });

  it('counts two distinct identities of the same department twice', async () => {
    const alice = await net.identity('coord', 'alice');
    const { proposal, clientSignature } = createProposal(alice, {
      channel: net.config.channel,
      chaincode: net.config.chaincode.name,
      fcn: 'Put',
      args: ['k2', 'v'],
    });
    const endorsed = await net.node('coord').endorse(proposal, clientSignature, {});
    const second = {
      endorser: signerRef(alice),
      signature: signWith(alice, endorsed.payloadBytes),
    };
    const tx: Transaction = {
      proposal,
      clientSignature,
      payload: endorsed.payload,
      endorsements: [endorsed.endorsement, second],
    };
    const { blockNumber, index } = await net.orderer.broadcast(tx);
    expect((await net.node('coord').waitForBlock(blockNumber)).codes[index]).toBe('VALID');
  });
});
