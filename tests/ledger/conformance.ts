/**
 * The LedgerClient conformance suite, written once and run against every engine (embedded now,
 * Fabric when LEDGER=fabric). It drives the real Shulian chaincode through the interface only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '@shulian/chaincode/canonical';
import { EVENTS, TX } from '@shulian/chaincode/constants';
import type { BlockEvent, Caller, LedgerClient } from '../../gateway/src/ledger/types.js';

export interface ConformanceTarget {
  ledger: LedgerClient;
  /** A caller that signs as an admin of the coordinator department. */
  coordinatorAdmin: Caller;
  /** The InitLedger argument for this network. */
  initLedgerArg: string;
  /** Departments of the network other than the coordinator, with their profiles. */
  departments: { id: string; profile: Record<string, unknown> }[];
  cleanup(): Promise<void>;
}

const decode = (bytes: Uint8Array): unknown => parseJson(bytes);

async function take(iterable: AsyncIterable<BlockEvent>, n: number): Promise<BlockEvent[]> {
  const out: BlockEvent[] = [];
  if (n === 0) return out;
  for await (const e of iterable) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

export function ledgerConformance(engine: string, create: () => Promise<ConformanceTarget>): void {
  describe(`LedgerClient conformance: ${engine}`, () => {
    let t: ConformanceTarget;
    let ledger: LedgerClient;
    let initTx: string;
    let initBlock: number;

    beforeAll(async () => {
      t = await create();
      ledger = t.ledger;
    });
    afterAll(async () => {
      await ledger.close();
      await t.cleanup();
    });

    it('submits a transaction and reports its id, block and payload', async () => {
      const r = await ledger.submit(t.coordinatorAdmin, TX.governance.InitLedger, [
        t.initLedgerArg,
      ]);
      expect(r.txId).toMatch(/^[0-9a-f]{64}$/);
      expect(r.blockNumber).toBeGreaterThanOrEqual(0);
      initTx = r.txId;
      initBlock = r.blockNumber;
    });

    it('finds the committed transaction with creator, function, code and event', async () => {
      const tx = await ledger.getTransaction(initTx);
      expect(tx).toMatchObject({
        txId: initTx,
        blockNumber: initBlock,
        validationCode: 'VALID',
        fcn: TX.governance.InitLedger,
        creator: { department: t.coordinatorAdmin.department, user: t.coordinatorAdmin.user },
      });
      expect(tx.event?.name).toBe(EVENTS.LedgerInitialized);
      expect(tx.timestamp).toBeGreaterThan(0);
    });

    it('evaluates against committed state without creating blocks', async () => {
      const before = (await ledger.status()).height;
      const who = decode(
        await ledger.evaluate(t.coordinatorAdmin, TX.governance.WhoAmI, []),
      ) as Record<string, unknown>;
      expect(JSON.stringify(who)).toContain(t.coordinatorAdmin.department);
      expect((await ledger.status()).height).toBe(before);
    });

    it('keeps the chaincode error code across the ledger boundary', async () => {
      await expect(
        ledger.submit(t.coordinatorAdmin, TX.governance.InitLedger, [t.initLedgerArg]),
      ).rejects.toThrow(/\[ALREADY_INITIALIZED\]/);
      const other = { department: t.departments[0]?.id ?? '', user: 'admin' };
      await expect(
        ledger.evaluate(other, TX.governance.GetDepartment, ['nosuchdept']),
      ).rejects.toThrow(/\[[A-Z_]+\]/);
    });

    it('commits one of two conflicting concurrent transactions and reports the other as a conflict', async () => {
      const [d1] = t.departments;
      if (!d1) throw new Error('the conformance network needs a second department');
      const arg = JSON.stringify(d1.profile);
      const results = await Promise.allSettled([
        ledger.submit(t.coordinatorAdmin, TX.governance.RegisterDepartment, [arg]),
        ledger.submit(t.coordinatorAdmin, TX.governance.RegisterDepartment, [arg]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      // Ordered in one block: MVCC conflict; ordered after the first committed: the chaincode refuses.
      expect(String(failure?.reason)).toMatch(
        /MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|\[[A-Z_]+\]/,
      );
    });

    it('delivers block events from any block, in order, resumable from a checkpoint', async () => {
      for (const d of t.departments.slice(1))
        await ledger.submit(t.coordinatorAdmin, TX.governance.RegisterDepartment, [
          JSON.stringify(d.profile),
        ]);
      const { height } = await ledger.status();
      const all = await take(ledger.blockEvents({ startBlock: 0 }), height);
      expect(all.map((b) => b.blockNumber)).toEqual([...Array(height).keys()]);
      const checkpoint = Math.floor(height / 2);
      const resumed = await take(
        ledger.blockEvents({ startBlock: checkpoint }),
        height - checkpoint,
      );
      expect(resumed).toEqual(all.slice(checkpoint));
      expect(await ledger.getBlockEvent(checkpoint)).toEqual(all[checkpoint]);
      const txs = all.flatMap((b) => b.transactions);
      expect(txs.find((x) => x.txId === initTx)?.event?.name).toBe(EVENTS.LedgerInitialized);
      expect(new Set(all.map((b) => b.blockHash)).size).toBe(height);
    });

    it('delivers new blocks to a live subscription and ends when aborted', async () => {
      const controller = new AbortController();
      const { height } = await ledger.status();
      const seen: BlockEvent[] = [];
      const done = (async () => {
        for await (const e of ledger.blockEvents({ signal: controller.signal })) {
          seen.push(e);
          controller.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 20));
      const r = await ledger.submit(t.coordinatorAdmin, TX.governance.UpdateDepartment, [
        t.coordinatorAdmin.department,
        JSON.stringify({ nameEn: 'Coordinator (renamed)' }),
      ]);
      await done;
      expect(seen[0]?.blockNumber).toBe(height);
      expect(seen[0]?.transactions.map((x) => x.txId)).toContain(r.txId);
    });

    it('waits for a height: at once when reached, until the block commits, NODE_BEHIND past the bound', async () => {
      const department = t.departments[0]?.id ?? '';
      const { height } = await ledger.status();
      await ledger.waitForHeight(department, height, 5_000);
      let reached = false;
      const waiting = ledger
        .waitForHeight(department, height + 1, 60_000)
        .then(() => (reached = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(reached).toBe(false);
      await ledger.submit(t.coordinatorAdmin, TX.governance.UpdateDepartment, [
        t.coordinatorAdmin.department,
        JSON.stringify({ nameEn: 'Coordinator (waited for)' }),
      ]);
      await waiting;
      const started = Date.now();
      await expect(ledger.waitForHeight(department, height + 1_000, 300)).rejects.toMatchObject({
        code: 'NODE_BEHIND',
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('returns proof material for a committed transaction', async () => {
      const proof = await ledger.getTransactionProof(initTx);
      const { engine } = await ledger.status();
      expect(proof).toMatchObject({
        engine,
        txId: initTx,
        blockNumber: initBlock,
        validationCode: 'VALID',
      });
      expect(proof.material).toBeTruthy();
    });

    it('describes block 0 as its capability manifest says', async () => {
      const genesis = await ledger.getBlockEvent(0);
      const chaincodeTxs = genesis.transactions.filter((x) => x.fcn !== '');
      if (ledger.supports.configGenesisBlock) {
        // Fabric: the channel's configuration block, no chaincode transaction, no event.
        expect(chaincodeTxs).toEqual([]);
        expect(genesis.transactions.every((x) => x.event === null)).toBe(true);
        expect(initBlock).toBeGreaterThan(0);
      } else {
        expect(genesis.transactions.length).toBeGreaterThan(0);
      }
      expect(ledger.supports.timeWindowMs === null).toBe(ledger.supports.backdatedTransactions);
    });

    it('lets another department read a write as soon as the submit returns', async () => {
      // Whether or not the engine waited for every node (supports.committedOnEveryNode), a read
      // through another department's node must not see the state before an acknowledged write.
      const other = { department: t.departments[0]?.id ?? '', user: 'admin' };
      const nameEn = `Coordinator ${Date.now()}`;
      await ledger.submit(t.coordinatorAdmin, TX.governance.UpdateDepartment, [
        t.coordinatorAdmin.department,
        JSON.stringify({ nameEn }),
      ]);
      const seen = decode(
        await ledger.evaluate(other, TX.governance.GetDepartment, [t.coordinatorAdmin.department]),
      );
      expect(JSON.stringify(seen)).toContain(nameEn);
    });

    it('refuses an argument that is not a string, naming it, without a ledger call', async () => {
      const before = (await ledger.status()).height;
      const notAString = [undefined] as unknown as string[];
      await expect(ledger.getTransaction(undefined as unknown as string)).rejects.toThrow();
      await expect(
        ledger.submit(t.coordinatorAdmin, TX.governance.GetDepartment, notAString),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/argument 0 must be a string/) as unknown,
      });
      expect((await ledger.status()).height).toBe(before);
    });

    it('keeps a department’s gateway in the directory, each publication signed and in history', async () => {
      const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(engine).toString('base64')}\n-----END CERTIFICATE-----\n`;
      const urls = ['https://gw.example:8443', 'https://gw2.example:8443'];
      const published = [];
      for (const url of urls)
        published.push(
          await ledger.submit(t.coordinatorAdmin, TX.governance.PublishGateway, [
            JSON.stringify({ url, tlsCertificate: pem }),
          ]),
        );
      const tx = await ledger.getTransaction(published[1]?.txId ?? '');
      expect(tx).toMatchObject({
        fcn: TX.governance.PublishGateway,
        creator: { department: t.coordinatorAdmin.department, user: t.coordinatorAdmin.user },
        event: expect.objectContaining({ name: EVENTS.GatewayPublished }) as unknown,
      });
      const department = t.coordinatorAdmin.department;
      const listed = decode(
        await ledger.evaluate(t.coordinatorAdmin, TX.governance.ListGateways, ['', '']),
      ) as { items: { department: string; url: string }[] };
      expect(listed.items).toEqual([expect.objectContaining({ department, url: urls[1] })]);
      const history = decode(
        await ledger.evaluate(t.coordinatorAdmin, TX.governance.GetGatewayHistory, [department]),
      ) as { txId: string; value: { url: string } | null }[];
      expect(history.map((h) => [h.txId, h.value?.url]).sort()).toEqual(
        published.map((p, i) => [p.txId, urls[i]]).sort(),
      );
    });

    it('rejects lookups of unknown transactions and blocks', async () => {
      await expect(ledger.getTransaction('0'.repeat(64))).rejects.toThrow();
      await expect(ledger.getBlockEvent(1_000_000)).rejects.toThrow();
    });

    it('reports a network whose nodes agree and verify', async () => {
      const status = await ledger.status();
      expect(status.nodes.length).toBeGreaterThan(0);
      expect(status.agreement).toBe(true);
      expect(status.height).toBeGreaterThan(initBlock);
      const report = await ledger.verify();
      expect(report).toMatchObject({ ok: true, divergences: [] });
    });
  });
}
