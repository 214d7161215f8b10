/**
 * The simulator writes the Proposal protobuf the chaincode's ChaincodeStub decodes itself rather
 * than through google-protobuf's message classes (#18). The bytes must be the ones
 * google-protobuf writes (buildProposalPb, fabric-protos' classes): the stub derives the creator,
 * timestamp, transient map and binding from them. Proposals the direct encoder does not take
 * (timestamps that are not whole non-negative milliseconds, strings UTF-8 would alter) are built
 * by google-protobuf, and are compared too.
 */
import { randomBytes } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, type Proposal } from '@shulian/proof/formats/embedded';
import { freeze } from '../../network/embedded/sealed.js';
import { buildProposalPb, signedProposalPb } from '../../network/embedded/stub.js';

const CERTIFICATE = `-----BEGIN CERTIFICATE-----\n${randomBytes(480).toString('base64')}\n-----END CERTIFICATE-----\n`;

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  return {
    version: FORMAT_VERSION,
    channel: 'shulian',
    chaincode: 'shulian',
    fcn: 'dataset:AnchorVersion',
    args: [JSON.stringify({ catalogId: 'market-entities-7', sha256: 'ab'.repeat(32) })],
    transientKeys: [],
    txId: 'cd'.repeat(32),
    nonce: randomBytes(24).toString('base64'),
    timestamp: 1_764_694_800_123,
    creator: { mspId: 'coord', certificate: CERTIFICATE },
    ...overrides,
  };
}

/** signedProposalPb's proposal bytes, and google-protobuf's for the same proposal and input. */
function both(p: Proposal, transient: Record<string, Uint8Array> = {}): [Buffer, Buffer] {
  const { input, signed } = signedProposalPb(p, randomBytes(70).toString('base64'), transient);
  const reference = new peer.ChaincodeInput();
  reference.setArgsList(input.getArgsList_asU8());
  return [
    Buffer.from(signed.getProposalBytes_asU8()),
    Buffer.from(buildProposalPb(p, reference, transient)),
  ];
}

describe('the Proposal protobuf the chaincode stub decodes', () => {
  const cases: [string, Proposal, Record<string, Uint8Array>?][] = [
    ['an AnchorVersion proposal', proposal()],
    ['no arguments', proposal({ fcn: 'governance:GetConfig', args: [] })],
    ['empty arguments and transaction name', proposal({ fcn: '', args: ['', 'x', ''] })],
    ['long and non-ASCII arguments', proposal({ args: ['数链'.repeat(5000), '\u{1f600}', 'é'] })],
    ['timestamp 0', proposal({ timestamp: 0 })],
    ['a whole second', proposal({ timestamp: 1_764_694_800_000 })],
    ['under a second', proposal({ timestamp: 999 })],
    ['the largest safe timestamp', proposal({ timestamp: Number.MAX_SAFE_INTEGER })],
    ['a non-ASCII channel and chaincode', proposal({ channel: '数链-通道', chaincode: 'ccé' })],
    ['an empty nonce', proposal({ nonce: '' })],
    ['an empty creator MSP id', proposal({ creator: { mspId: '', certificate: CERTIFICATE } })],
    [
      'transient data, keys out of order, one missing, one empty',
      proposal({ transientKeys: ['secret', 'a', '', 'missing', 'ключ'] }),
      { secret: randomBytes(300), a: Uint8Array.of(1), '': randomBytes(3), ключ: new Uint8Array() },
    ],
    ['a repeated transient key', proposal({ transientKeys: ['k', 'k'] }), { k: Uint8Array.of(7) }],
    // Built by google-protobuf itself: compared so the choice between the two never shows.
    ['a negative timestamp', proposal({ timestamp: -1_500 })],
    ['a fractional timestamp', proposal({ timestamp: 1_764_694_800_123.5 })],
    ['a lone surrogate in the channel', proposal({ channel: 'x\ud800' })],
    ['a lone surrogate in a transient key', proposal({ transientKeys: ['\udc00'] }), {}],
  ];

  it.each(cases)('is what google-protobuf writes: %s', (_, p, transient) => {
    const [written, reference] = both(p, transient);
    expect(written.toString('hex')).toBe(reference.toString('hex'));
  });

  it('is the same for a sealed proposal, whose bytes both endorsers share', () => {
    const p = proposal();
    freeze(p);
    const [first, reference] = both(p);
    const [second] = both(p);
    expect(first.equals(reference)).toBe(true);
    expect(second.equals(reference)).toBe(true);
  });

  it('is what google-protobuf writes for random proposals', () => {
    for (let i = 0; i < 200; i++) {
      const keys = Array.from({ length: i % 4 }, (_, k) => `t${(i * 7 + k) % 5}`);
      const p = proposal({
        args: Array.from({ length: i % 5 }, () => randomBytes(i * 3).toString('latin1')),
        transientKeys: keys,
        timestamp: Math.floor(Math.random() * 2 ** (i % 53)),
        nonce: randomBytes(i % 40).toString('base64'),
      });
      const transient = Object.fromEntries(keys.map((k) => [k, randomBytes(i % 9)]));
      const [written, reference] = both(p, transient);
      expect(written.toString('hex'), JSON.stringify(p)).toBe(reference.toString('hex'));
    }
  });
});
