/**
 * Ownership enforced by Fabric itself, not by the gateway: a catalog entry carries its owner's
 * key-level endorsement policy, so a transaction that changes psb's entry with endorsements
 * from other departments' peers only is invalidated by every peer at validation
 * (ENDORSEMENT_POLICY_FAILURE), even though the chaincode ran and both endorsers signed. The
 * transactions are sent with the real `peer chaincode invoke` CLI.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import type { FabricNetwork } from '../../network/fabric/network.js';
import { cliError, fabricNetwork, invoke, prepareLedger, query } from './harness.js';

const metadata = {
  name: '人口基本信息（所有权测试）',
  classification: 'base',
  abstract: '户籍人口基本信息，用于验证目录条目的所有权由 Fabric 背书策略保证。',
  format: 'text/csv',
  fields: [
    { name: 'id_number', nameZh: '公民身份号码', type: 'string', sensitivity: 'sensitive' },
    { name: 'name', nameZh: '姓名', type: 'string', sensitivity: 'internal' },
  ],
  shareType: 'conditional',
  shareConditions: '按字段申请，用于法定职责。',
  shareMethods: ['api'],
  openness: 'not_open',
  updateFrequency: 'daily',
  scenarios: ['出生登记核验'],
  relatedResources: [],
  sourceSystem: null,
  legalBasis: null,
  publishDate: '2026-01-05',
};

describe('catalog ownership on Fabric', () => {
  let net: FabricNetwork;
  const id = `PSB-OWN-${randomBytes(3).toString('hex').toUpperCase()}`;
  const version = async () =>
    (
      await query<{ version: number; abstract: string }>(net, 'amr', 'clerk', TX.catalog.GetEntry, [
        id,
      ])
    ).version;

  beforeAll(async () => {
    net = await fabricNetwork();
    await prepareLedger(net);
    await invoke(net, 'psb', 'clerk', TX.catalog.CreateEntry, [{ id, ...metadata }], {
      endorsers: ['psb', 'amr'],
    });
  });

  it('an update of psb’s entry endorsed by amr and health only is invalidated ENDORSEMENT_POLICY_FAILURE', async () => {
    const change = { ...metadata, abstract: '被他人修改', changeReason: '未经所有者背书的修改' };
    const refused = await invoke(net, 'psb', 'clerk', TX.catalog.UpdateEntry, [id, change], {
      endorsers: ['amr', 'health'],
    }).then(
      () => 'VALID',
      (err: unknown) => cliError(err),
    );
    expect(refused).toContain('transaction invalidated with status (ENDORSEMENT_POLICY_FAILURE)');
    // Every peer applied the same verdict: the entry is unchanged everywhere.
    for (const d of net.config.departments)
      expect(
        (await query<{ version: number }>(net, d.id, 'clerk', TX.catalog.GetEntry, [id])).version,
      ).toBe(1);
  });

  it('the same update endorsed by psb and amr commits', async () => {
    const change = { ...metadata, abstract: '所有者更新的摘要', changeReason: '所有者更新' };
    await invoke(net, 'psb', 'clerk', TX.catalog.UpdateEntry, [id, change], {
      endorsers: ['psb', 'amr'],
    });
    expect(await version()).toBe(2);
  });

  it('amr’s own clerk cannot update psb’s entry: the chaincode refuses with its code', async () => {
    const change = { ...metadata, abstract: '越权修改', changeReason: '越权' };
    const refused = await invoke(net, 'amr', 'clerk', TX.catalog.UpdateEntry, [id, change], {
      endorsers: ['amr', 'health'],
    }).then(
      () => 'VALID',
      (err: unknown) => cliError(err),
    );
    expect(refused).toMatch(/\[[A-Z_]+\]/);
    expect(await version()).toBe(2);
  });
});
