import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../network/embedded/errors.js';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { openTestNetwork, tempDir } from './helpers.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('embedded network: execute-order-validate', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;
  let alice: SigningIdentity;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    net = await openTestNetwork(dir);
    alice = await net.identity('coord', 'alice');
  });
  afterEach(async () => {
    await net.close();
    await cleanup();
  });

  it('endorses, orders, validates and commits on every node', async () => {
    const r = await net.submit(alice, 'Put', ['k', 'v']);
    expect(r.blockNumber).toBe(0);
    expect(text(r.payload)).toBe('v');
    expect(r.transaction.endorsements.length).toBeGreaterThanOrEqual(2);
    await net.settle();
    for (const n of net.nodes)
      expect(text((await n.ledger().get('k'))?.value ?? new Uint8Array())).toBe('v');
    expect(text(await net.evaluate(alice, 'Get', ['k']))).toBe('v');
    const states = net.nodeStates();
    expect(new Set(states.map((s) => s.commitHash)).size).toBe(1);
    expect((await net.verify()).ok).toBe(true);
  });

  it('reports chaincode errors with their message and never orders them', async () => {
    const err = await net
      .submit(alice, 'Fail', ['[CATALOG_NOT_FOUND] no such entry'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({
      code: 'CHAINCODE_ERROR',
      message: '[CATALOG_NOT_FOUND] no such entry',
    });
    expect(net.orderer.height).toBe(0);
  });

  it('invalidates the loser of two concurrent conflicting transactions with MVCC_READ_CONFLICT', async () => {
    await net.submit(alice, 'Put', ['counter', '0']);
    const results = await Promise.allSettled([
      net.submit(alice, 'Increment', ['counter']),
      net.submit(alice, 'Increment', ['counter']),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toMatchObject({ code: 'MVCC_READ_CONFLICT', retryable: true });
    expect(text(await net.evaluate(alice, 'Get', ['counter']))).toBe('1');
  });

  it('detects phantom reads in range queries', async () => {
    await net.submit(alice, 'Put', ['r1', 'x']);
    const results = await Promise.allSettled([
      net.submit(alice, 'CountRangeThenPut', ['r', 's', 'count']),
      net.submit(alice, 'Put', ['r2', 'y']),
    ]);
    const codes = results.map((r) =>
      r.status === 'fulfilled' ? 'VALID' : (r.reason as LedgerError).code,
    );
    // Either order is legal; if the insert commits first in the same block, the count is a phantom.
    expect(codes[1]).toBe('VALID');
    expect(['VALID', 'PHANTOM_READ_CONFLICT']).toContain(codes[0]);
  });

  it('enforces key-level endorsement policies set by the chaincode', async () => {
    await net.submit(alice, 'Put', ['owned', 'v']);
    await net.submit(alice, 'SetOwners', ['owned', 'psb']);
    // Writing the key now needs psb's peer: the client picks it even though coord is its own node.
    const r = await net.submit(alice, 'Put', ['owned', 'w']);
    expect(r.transaction.endorsements.map((e) => e.endorser.mspId)).toContain('psb');
    // Without psb's node the policy cannot be met.
    await net.stopNode('psb');
    await expect(net.submit(alice, 'Put', ['owned', 'z'])).rejects.toMatchObject({
      code: 'NO_ENDORSERS',
    });
    await net.startNode('psb');
  });

  it('restarts a single node, which catches up validating every block', async () => {
    await net.stopNode('health');
    for (let i = 0; i < 5; i++) await net.submit(alice, 'Put', [`k${i}`, String(i)]);
    expect(net.node('health').running).toBe(false);
    await net.startNode('health');
    await net.settle();
    const heights = net.nodeStates().map((s) => s.height);
    expect(new Set(heights).size).toBe(1);
    expect((await net.verify()).ok).toBe(true);
  });

  it('survives a full restart without replaying the chain', async () => {
    for (let i = 0; i < 3; i++) await net.submit(alice, 'Put', [`k${i}`, String(i)]);
    await net.settle();
    const before = net.nodeStates();
    await net.close();
    net = await openTestNetwork(dir);
    expect(net.nodeStates()).toEqual(before);
    expect(text(await net.evaluate(alice, 'Get', ['k2']))).toBe('2');
    const r = await net.submit(alice, 'Put', ['k3', '3']);
    expect(r.blockNumber).toBe(before[0]?.height);
  });

  it('provides offline proof material whose Merkle path reaches the data hash', async () => {
    const r = await net.submit(alice, 'Put', ['p', 'q']);
    const proof = await net.proof(r.txId);
    const { pathReachesRoot } = await import('../../network/embedded/merkle.js');
    const { encodeTransaction } = await import('@shulian/proof/formats/embedded');
    expect(
      pathReachesRoot(
        encodeTransaction(proof.transaction),
        proof.txIndex,
        proof.header.txCount,
        proof.inclusionPath,
        proof.header.dataHash,
      ),
    ).toBe(true);
    expect(proof.validationCode).toBe('VALID');
    // Validators assemble the leaf from the signed parts; it must be the canonical encoding.
    const { encodeParts } = await import('../../network/embedded/validator.js');
    const same = (tx: object): void =>
      expect(Buffer.from(encodeParts(tx as never).transaction).toString()).toBe(
        Buffer.from(encodeTransaction(tx as never)).toString(),
      );
    same(proof.transaction);
    same({ ...proof.transaction, extra: 1 });
    expect(net.trust.departments.coord?.caCertificate).toMatch(/BEGIN CERTIFICATE/);
    expect(net.trust.orderers[0]?.certificate).toBe(proof.ordererSignature.orderer.certificate);
  });
});
