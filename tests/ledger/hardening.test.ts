/**
 * Malformed input at the LedgerClient boundary: each is refused with a LedgerError whose code
 * says what was wrong, before anything is endorsed or ordered, and the process keeps serving.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedLedger,
  LedgerError,
  type EmbeddedLedger,
} from '../../gateway/src/ledger/embedded.js';
import type { Transaction } from '@shulian/proof/formats/embedded';
import { signWith } from '../../network/embedded/identity.js';
import { createProposal } from '../../network/embedded/proposal.js';
import { seal } from '../../network/embedded/sealed.js';
import { TestContract } from '../network/fixtures/test-contract.js';

describe('embedded ledger: malformed input', () => {
  let dataDir: string;
  let ledger: EmbeddedLedger;
  const caller = { department: 'psb', user: 'pia' };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-hardening-'));
    ledger = await createEmbeddedLedger({
      dataDir,
      chaincode: { contracts: [TestContract] },
      durable: false,
      batch: { timeoutMs: 5 },
    });
  });
  afterAll(async () => {
    await ledger.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const refused = async (call: Promise<unknown>, code: string): Promise<void> => {
    const height = ledger.network.orderer.height;
    const err: unknown = await call.then(
      () => new Error('expected a refusal'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code });
    expect(ledger.network.orderer.height).toBe(height);
  };

  it('refuses arguments that are not well-formed Unicode, which UTF-8 would silently change', async () => {
    await refused(ledger.submit(caller, 'Put', ['k\ud800', 'v']), 'INVALID_ARGUMENT');
    await refused(ledger.evaluate(caller, 'Get', ['k\udc00']), 'INVALID_ARGUMENT');
    await refused(ledger.submit(caller, 'Put\ud800', ['k', 'v']), 'INVALID_ARGUMENT');
  });

  it('refuses arguments that are not strings', async () => {
    await refused(ledger.submit(caller, 'Put', [1 as unknown as string, 'v']), 'INVALID_ARGUMENT');
  });

  it('has every node refuse to endorse a signed proposal with ill-formed arguments', async () => {
    const pia = await ledger.identity(caller);
    const { proposal } = createProposal(pia, {
      channel: ledger.network.config.channel,
      chaincode: ledger.network.config.chaincode.name,
      fcn: 'Put',
      args: ['k', 'v'],
    });
    const forged = { ...proposal, args: ['k\ud800', 'v'] };
    const signature = signWith(pia, seal(forged));
    for (const node of ledger.network.nodes)
      await expect(node.endorse(forged, signature, {})).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
  });

  it('refuses a proposal larger than the orderer accepts before any node simulates it', async () => {
    const huge = 'x'.repeat(11 * 1024 * 1024);
    await refused(ledger.submit(caller, 'Put', ['big', huge]), 'TX_TOO_LARGE');
  });

  it('refuses user names with control characters and unknown departments', async () => {
    await refused(
      ledger.submit({ department: 'psb', user: 'a\u0007b' }, 'Put', ['k', 'v']),
      'INVALID_IDENTITY_NAME',
    );
    await refused(
      ledger.submit({ department: 'nowhere', user: 'a' }, 'Put', ['k', 'v']),
      'NODE_NOT_FOUND',
    );
    await refused(ledger.submit(caller, 'NoSuchTransaction', []), 'CHAINCODE_ERROR');
  });

  it('delivers a block holding a malformed transaction as a BAD_PAYLOAD event', async () => {
    const { txId } = await ledger.submit(caller, 'Put', ['m', 'v']);
    const { record, index } = await ledger.network.findTransaction(txId);
    const good = record.block.transactions[index] as Transaction;
    const malformed = { ...good, proposal: { ...good.proposal, creator: null } };
    const at = await ledger.network.orderer.broadcast(malformed as unknown as Transaction);
    await ledger.network.settle();
    const event = await ledger.getBlockEvent(at.blockNumber);
    expect(event.transactions[at.index]).toMatchObject({ validationCode: 'BAD_PAYLOAD', txId: '' });
  });

  it('still serves afterwards', async () => {
    await ledger.submit(caller, 'Put', ['k', 'v']);
    expect(Buffer.from(await ledger.evaluate(caller, 'Get', ['k'])).toString()).toBe('v');
    expect((await ledger.verify()).ok).toBe(true);
  });
});

describe('embedded nodes: evaluations are signed proposals too', () => {
  it('refuses an evaluation whose creator did not sign it, as a Fabric endorser does', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-evaluate-'));
    const ledger = await createEmbeddedLedger({
      dataDir,
      chaincode: { contracts: [TestContract] },
      durable: false,
      batch: { timeoutMs: 5 },
    });
    try {
      const mallory = await ledger.identity({ department: 'psb', user: 'mallory' });
      const admin = await ledger.identity({ department: 'coord', user: 'admin' });
      // Mallory names the coordinator's admin (whose certificate is public) as the creator.
      const { proposal } = createProposal(admin, {
        channel: ledger.network.config.channel,
        chaincode: ledger.network.config.chaincode.name,
        fcn: 'WhoAmI',
        args: [],
      });
      const signature = signWith(mallory, seal(proposal));
      await expect(
        ledger.network.node('coord').evaluate(proposal, signature, {}),
      ).rejects.toMatchObject({
        code: 'BAD_CREATOR_SIGNATURE',
      });
    } finally {
      await ledger.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
