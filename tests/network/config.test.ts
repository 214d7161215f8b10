import { describe, expect, it } from 'vitest';
import { KeyEndorsementPolicy } from 'fabric-shim';
import {
  loadNetworkConfig,
  parseBytes,
  parseDuration,
  parseNetworkConfig,
} from '../../network/embedded/config.js';
import { inclusionPath, merkleRoot, pathReachesRoot } from '../../network/embedded/merkle.js';
import {
  chooseEndorsers,
  decodePolicy,
  parsePolicy,
  satisfies,
} from '../../network/embedded/policy.js';
import { readFile } from 'node:fs/promises';
import { DEFAULT_CONFIG_PATH } from '../../network/embedded/config.js';
import { createHash } from 'node:crypto';

const members = ['coord', 'psb', 'amr', 'health'];
const peers = (...ids: string[]) => ids.map((mspId) => ({ mspId, ou: 'peer' }));

describe('departments.yaml', () => {
  it('parses the shipped network', async () => {
    const config = await loadNetworkConfig();
    expect(config.coordinator).toBe('coord');
    expect(config.departments.map((d) => d.id)).toEqual(members);
    expect(config.departments.find((d) => d.id === 'psb')).toMatchObject({
      parent: 'coord',
      level: 'city',
      names: { zh: '市公安局' },
    });
    expect(config.orderer.batch).toEqual({
      timeoutMs: 200,
      maxMessageCount: 500,
      absoluteMaxBytes: 10 * 1024 ** 2,
      preferredMaxBytes: 2 * 1024 ** 2,
    });
    // Fabric's orderers cut by time sooner (network/fabric/README.md: bench:fabric).
    expect(config.orderer.fabricBatch).toEqual({
      timeoutMs: 20,
      maxMessageCount: 32,
      absoluteMaxBytes: 10 * 1024 ** 2,
      preferredMaxBytes: 2 * 1024 ** 2,
    });
    expect(config.deadlines).toMatchObject({ requestWorkingDays: 10, emergencyHours: 24 });
    expect(satisfies(config.chaincode.policy, peers('psb', 'amr'))).toBe(true);
    expect(satisfies(config.chaincode.policy, peers('psb'))).toBe(false);
  });

  it('rejects invalid networks with the field named', async () => {
    const text = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    const broken =
      (from: string, to: string): (() => unknown) =>
      () =>
        parseNetworkConfig(text.replace(from, to));
    expect(broken('parent: coord\n    domain: psb', 'parent: nowhere\n    domain: psb')).toThrow(
      /departments\.psb\.parent: unknown department nowhere/,
    );
    expect(broken('coordinator: coord', 'coordinator: psb')).toThrow(
      /coordinator: the coordinator has no parent/,
    );
    expect(broken("'health.peer'", "'police.peer'")).toThrow(
      /endorsementPolicy: .*unknown MSP police/,
    );
    expect(broken('level: city', 'level: galaxy')).toThrow(/departments\[0\]\.level/);
    expect(broken('batchTimeout: 200ms', 'batchTimeout: soon')).toThrow(/orderer\.batchTimeout/);
    expect(broken('batchTimeout: 20ms', 'batchTimeout: soon')).toThrow(
      /orderer\.fabric\.batchTimeout/,
    );
    expect(
      parseNetworkConfig(text.replace(/\n {2}fabric:\n(?: {4}.*\n)+/, '\n')).orderer.fabricBatch,
    ).toMatchObject({ timeoutMs: 200, maxMessageCount: 500 });
    // Fabric's peers keep their default time window unless the file sets one.
    expect(parseNetworkConfig(text).fabricPeerTimeWindowMs).toBeNull();
    expect(
      parseNetworkConfig(`${text}\npeers:\n  fabric:\n    timeWindow: 48h\n`)
        .fabricPeerTimeWindowMs,
    ).toBe(48 * 3_600_000);
    expect(() => parseNetworkConfig(`${text}\npeers:\n  fabric:\n    timeWindow: 2d\n`)).toThrow(
      /peers\.fabric\.timeWindow: expected a duration/,
    );
    expect(broken('- id: amr', '- id: psb')).toThrow(/duplicate id psb/);
    expect(broken('verifies: [person]', 'verifies: [citizen]')).toThrow(
      /departments\[1\]\.verifies: expected a list of person, enterprise/,
    );
    expect(() => parseNetworkConfig('departments: [')).toThrow(/not valid YAML/);
    expect(() =>
      parseNetworkConfig(text.replace(/departments:[\s\S]*?orderer:/, 'departments: []\norderer:')),
    ).toThrow(/departments: expected a non-empty list/);
  });

  it('reads Fabric sizes and durations', () => {
    expect(parseBytes('512 KB', 'x')).toBe(524288);
    expect(parseBytes(100, 'x')).toBe(100);
    expect(parseDuration('2s', 'x')).toBe(2000);
    expect(parseDuration('150ms', 'x')).toBe(150);
    expect(parseDuration('48h', 'x')).toBe(48 * 3_600_000);
    expect(() => parseBytes('lots', 'x')).toThrow(/x: expected a size/);
  });
});

describe('endorsement policies', () => {
  it('parses AND, OR, OutOf and the implicit MAJORITY, ANY and ALL', () => {
    const and = parsePolicy("AND('coord.peer', OR('psb.peer', 'amr.member'))", members);
    expect(satisfies(and, peers('coord', 'amr'))).toBe(true);
    expect(satisfies(and, peers('coord'))).toBe(false);
    expect(
      satisfies(and, [
        { mspId: 'coord', ou: 'client' },
        { mspId: 'psb', ou: 'peer' },
      ]),
    ).toBe(false);
    const majority = parsePolicy('MAJORITY Endorsement', members);
    expect(satisfies(majority, peers('coord', 'psb'))).toBe(false);
    expect(satisfies(majority, peers('coord', 'psb', 'amr'))).toBe(true);
    expect(satisfies(parsePolicy('ANY', members), peers('health'))).toBe(true);
    expect(satisfies(parsePolicy('ALL', members), peers('coord', 'psb', 'amr'))).toBe(false);
    expect(() => parsePolicy("OutOf(3, 'coord.peer', 'psb.peer')", members)).toThrow(
      /OutOf\(3\) over 2/,
    );
    expect(() => parsePolicy("AND('coord.boss')", members)).toThrow(/principal/);
    expect(() => parsePolicy("AND('coord.peer'", members)).toThrow(/unexpected end/);
  });

  it('counts each signature once, as Fabric does', () => {
    const twoOfCoord = parsePolicy("AND('coord.peer', 'coord.member')", members);
    expect(satisfies(twoOfCoord, peers('coord'))).toBe(false);
    expect(satisfies(twoOfCoord, [...peers('coord'), { mspId: 'coord', ou: 'admin' }])).toBe(true);
  });

  it('decodes fabric-shim key-level policies', () => {
    const kep = new KeyEndorsementPolicy();
    kep.addOrgs('PEER', 'psb', 'amr');
    const policy = decodePolicy(kep.getPolicy());
    expect(policy).toEqual({
      kind: 'outOf',
      n: 2,
      rules: [
        { kind: 'signedBy', mspId: 'psb', role: 'peer' },
        { kind: 'signedBy', mspId: 'amr', role: 'peer' },
      ],
    });
    expect(() => decodePolicy(Buffer.from('not a policy'))).toThrow();
  });

  it("chooses the fewest endorsers, preferring the client's own department", () => {
    const cc = parsePolicy(
      "OutOf(2, 'coord.peer', 'psb.peer', 'amr.peer', 'health.peer')",
      members,
    );
    expect(chooseEndorsers([cc], members, ['amr'])).toEqual(['amr', 'coord']);
    const owner = parsePolicy("AND('health.peer')", members);
    expect(chooseEndorsers([cc, owner], members, ['coord'])).toEqual(['coord', 'health']);
    expect(chooseEndorsers([owner], ['coord', 'psb'], ['coord'])).toBeNull();
  });
});

describe('RFC 6962 Merkle trees', () => {
  const items = Array.from({ length: 7 }, (_, i) => Buffer.from(`tx${i}`));
  const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

  it('hashes leaves and nodes with domain separation', () => {
    expect(merkleRoot([])).toBe(createHash('sha256').digest('hex'));
    const leaf = (b: Buffer) => h(Buffer.from([0]), b);
    const two = h(Buffer.from([1]), leaf(items[0] as Buffer), leaf(items[1] as Buffer));
    expect(merkleRoot(items.slice(0, 2))).toBe(two.toString('hex'));
  });

  it('proves every leaf of trees of every size up to 17', () => {
    for (let n = 1; n <= 17; n++) {
      const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`leaf-${i}`));
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(leaves, i);
        expect(pathReachesRoot(leaves[i] as Buffer, i, n, path, root)).toBe(true);
        if (n > 1) expect(pathReachesRoot(Buffer.from('other'), i, n, path, root)).toBe(false);
      }
    }
  });
});
