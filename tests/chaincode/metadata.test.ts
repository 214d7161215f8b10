/**
 * The shared names in constants.ts are the contract's public surface: the gateway submits what
 * SUBMIT_TRANSACTIONS lists and evaluates the rest. Check them against the transaction metadata
 * fabric-contract-api's decorators recorded on the compiled contracts, which is what its
 * dispatch and Fabric's metadata both come from.
 */
import { describe, expect, it } from 'vitest';
import { SUBMIT_TRANSACTIONS, TX } from '@shulian/chaincode/constants';
import { createBareWorld } from './world.js';

interface TransactionMetadata {
  name: string;
  tag: string[];
  parameters: { name: string; schema: { type?: string } }[];
}

interface ContractModule {
  contracts: (new () => { getName(): string })[];
}

describe('contract metadata', () => {
  it('matches TX exactly, with submit and evaluate as SUBMIT_TRANSACTIONS says', async () => {
    // The harness quiets fabric's loggers before they first load; do the same here.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
    const { contracts } = (await import('@shulian/chaincode')) as ContractModule;
    const declared = contracts.flatMap((Contract) => {
      const instance = new Contract();
      const name = instance.getName();
      const prototype = Object.getPrototypeOf(instance) as object;
      const transactions = Reflect.getMetadata(
        'fabric:transactions',
        prototype,
      ) as TransactionMetadata[];
      return transactions.map((tx) => ({
        name: `${name}:${tx.name}`,
        submit: tx.tag.includes('SUBMIT'),
        stringParameters: tx.parameters.every((p) => p.schema.type === 'string'),
      }));
    });
    const names = Object.values(TX).flatMap((group) => Object.values(group) as string[]);
    expect(declared.map((d) => d.name).sort()).toEqual([...names].sort());
    expect(
      declared
        .filter((d) => d.submit)
        .map((d) => d.name)
        .sort(),
    ).toEqual([...SUBMIT_TRANSACTIONS].sort());
    expect(declared.filter((d) => !d.stringParameters)).toEqual([]);
  });

  it('answers an unknown transaction with a coded error, not a silent success', async () => {
    const w = await createBareWorld();
    const r = await w.submit('coordAdmin', 'catalog:DropTable');
    expect(r.status).not.toBe(200);
    expect(r.message).toMatch(/^\[INVALID_ARGUMENT\] .*catalog:DropTable/);
  });
});
