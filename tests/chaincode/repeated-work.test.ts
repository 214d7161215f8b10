/**
 * Work the chaincode no longer repeats on its hot path, and the proof that what it skips
 * changes nothing: member paths built only for a failure's message, writes checked in memory
 * when the value reads back equal, fabric-shim's parameter reading without its eager debug, and
 * each owner's key-level policy serialised once.
 */
import { createRequire } from 'node:module';
import type * as FabricShim from 'fabric-shim';
import { describe, expect, it, vi } from 'vitest';
import { canonicalJson, isPlainJson, parseJson } from '@shulian/chaincode/canonical';
import { catalogField } from '@shulian/chaincode/entities';
import { parseInput } from '@shulian/chaincode/inputs';
import { arrayOf, identifier, object, str } from '@shulian/chaincode/schema';
import { TX } from '@shulian/chaincode/constants';
import { loadChaincode } from '../../network/embedded/chaincode.js';
import { createWorld, entry, MARKET, ok, PSB } from './world.js';

const load = createRequire(import.meta.url);

describe('member paths', () => {
  const fields = object({ fields: arrayOf(catalogField, { max: 3 }) });
  const field = (sensitivity: string, extra = ''): string =>
    `{"name":"x","type":"string","sensitivity":"${sensitivity}"${extra}}`;

  it('name an array item and its member, at any depth', () => {
    expect(() =>
      parseInput(fields, `{"fields":[${field('public')},${field('top')}]}`, 'entry'),
    ).toThrow(
      '[INVALID_ARGUMENT] fields[1].sensitivity must be one of public, internal, sensitive, important',
    );
    expect(() =>
      parseInput(fields, `{"fields":[${field('public', ',"colour":1')}]}`, 'entry'),
    ).toThrow(/^\[INVALID_ARGUMENT\] fields\[0\]\.colour is not a known field/);
    const nested = object({ a: object({ b: arrayOf(arrayOf(identifier)) }) });
    expect(() => nested({ a: { b: [['x'], ['y', ' z']] } }, 'arg')).toThrow(
      /^arg\.a\.b\[1\]\[1\] must be letters/,
    );
  });

  it('name an argument that is an array by the argument', () => {
    const roles = arrayOf(identifier, { unique: true });
    expect(() => roles(['a', 'b c'], 'roles')).toThrow(/^roles\[1\] must be letters/);
    expect(() => roles(['a', 'b', 'a'], 'roles')).toThrow('roles[2] repeats an earlier item');
    expect(() => roles([''], '')).toThrow(/^\[0\] must not be empty/);
  });

  it('are built only when a member fails, and other errors pass unchanged', () => {
    const seen: string[] = [];
    const spy = (value: unknown, path: string): string => {
      seen.push(path);
      return str()(value, path);
    };
    const check = object({ a: spy, b: arrayOf(spy) });
    expect(check({ a: 'x', b: ['y', 'z'] }, 'in')).toEqual({ a: 'x', b: ['y', 'z'] });
    expect(seen).toEqual(['in', 'in', 'in']);
    seen.length = 0;
    expect(() => check({ a: 'x', b: ['y', ''] }, 'in')).toThrow('in.b[1] must not be empty');
    expect(seen).toEqual(['in', 'in', 'in', 'in[1]', 'in.b', 'in.b', 'in.b[1]']);
    const broken = object({
      a: () => {
        throw new TypeError('not a schema error');
      },
    });
    expect(() => broken({ a: 1 }, '')).toThrow(TypeError);
  });
});

class Point {
  x = 1;
}

describe('values checked in memory before they are written', () => {
  const plain: unknown[] = [
    null,
    true,
    0,
    -1.5,
    1e21,
    '',
    'a\u0000\ud800', // a lone surrogate is escaped in JSON and reads back as itself
    [],
    [1, 'a', null, [{}]],
    { b: 1, a: { d: [3, { z: 1, y: 2 }] } },
    { 'a.b': [], '[0]': { '': false } },
  ];
  const notPlain: unknown[] = [
    undefined,
    -0,
    NaN,
    Infinity,
    1n,
    Symbol('s'),
    () => 1,
    { a: undefined },
    { a: [1, -0] },
    [1, undefined],
    // eslint-disable-next-line no-sparse-arrays
    [1, , 2],
    new Date(0),
    new Map([['a', 1]]),
    new Point(),
    Object.create(null) as object,
    Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false }),
    { nested: { deeper: new Uint8Array(1) } },
  ];

  it('are plain JSON exactly when they read back equal to themselves', () => {
    for (const value of plain) {
      expect(isPlainJson(value), String(value)).toBe(true);
      expect(parseJson(canonicalJson(value))).toStrictEqual(value);
    }
    for (const value of notPlain) expect(isPlainJson(value)).toBe(false);
  });
});

interface Marshall {
  ajv: { compile(schema: object): unknown };
  handleParameters: ((fn: object, parameters: unknown[], prefix: string) => unknown[]) & {
    original?: (fn: object, parameters: unknown[], prefix: string) => unknown[];
  };
}

describe("fabric-shim's parameter reading", () => {
  // Loading the chaincode installs it, as fabric-chaincode-node and the embedded network do.
  const ready = loadChaincode();
  const DataMarshall = load('fabric-shim/lib/contract-spi/datamarshall.js') as new (
    serializer: string,
    serializers: Record<string, unknown>,
    components: unknown,
  ) => Marshall;
  const { JSONSerializer } = load('fabric-contract-api') as { JSONSerializer: unknown };
  const marshall = (components: unknown = {}): Marshall =>
    new DataMarshall('jsonSerializer', { jsonSerializer: JSONSerializer }, components);
  const strings = (n: number): object => ({
    name: 'Tx',
    parameters: Array.from({ length: n }, (_, i) => ({
      name: `p${i}`,
      description: '',
      schema: { type: 'string' },
    })),
  });
  const outcome = (run: () => unknown[]): unknown => {
    try {
      return { value: run() };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const bytes = [
    Buffer.from('{"catalogId":"market-entities-1"}'),
    Buffer.from('市场主体登记信息'),
    Buffer.from([0xff, 0xfe, 0x41]),
    Buffer.alloc(0),
  ];

  it('reads every parameter of the chaincode as a string, as fabric-shim does, without ajv', async () => {
    const chaincode = (await ready) as unknown as {
      metadata: { contracts: Record<string, { transactions: { parameters?: object[] }[] }> };
    };
    const schemas = new Set<string>();
    for (const contract of Object.values(chaincode.metadata.contracts))
      for (const tx of contract.transactions)
        for (const p of tx.parameters ?? []) schemas.add(JSON.stringify(p));
    expect([...schemas].every((p) => p.endsWith('"schema":{"type":"string"}}'))).toBe(true);

    const m = marshall();
    const { original } = m.handleParameters;
    expect(original).toBeTypeOf('function');
    const compile = vi.spyOn(m.ajv, 'compile');
    for (const args of [bytes, bytes.slice(0, 1), [], [bytes[2], undefined]]) {
      const fn = strings(args.length);
      const fast = outcome(() => m.handleParameters(fn, args, '[c]'));
      expect(compile).not.toHaveBeenCalled();
      expect(fast).toStrictEqual(outcome(() => original!.call(m, fn, args, '[c]')));
      compile.mockClear();
    }
    expect(outcome(() => m.handleParameters(strings(2), bytes.slice(0, 1), '[c]'))).toStrictEqual({
      error: 'Expected 2 parameters, but 1 have been supplied',
    });
  });

  it('leaves other schemas, declared types and shown debug output to fabric-shim', () => {
    const m = marshall();
    const compile = vi.spyOn(m.ajv, 'compile');
    const number = { name: 'Tx', parameters: [{ name: 'n', schema: { type: 'number' } }] };
    expect(m.handleParameters(number, [Buffer.from('12')], '[c]')).toEqual([12]);
    expect(compile).toHaveBeenCalledTimes(1);

    const typed = marshall({ Thing: { $id: 'Thing', type: 'object', properties: {} } });
    const typedCompile = vi.spyOn(typed.ajv, 'compile');
    expect(typed.handleParameters(strings(1), [Buffer.from('x')], '[c]')).toEqual(['x']);
    expect(typedCompile).toHaveBeenCalledTimes(1);

    const logger = (
      load('fabric-shim/lib/logger.js') as {
        getLogger(name: string): { silent?: boolean; isLevelEnabled(level: string): boolean };
      }
    ).getLogger('contracts-spi/datamarshall.js');
    const silent = logger.silent;
    const enabled = vi.spyOn(logger, 'isLevelEnabled').mockReturnValue(true);
    try {
      logger.silent = false;
      const shown = marshall();
      const shownCompile = vi.spyOn(shown.ajv, 'compile');
      expect(shown.handleParameters(strings(1), [Buffer.from('x')], '[c]')).toEqual(['x']);
      expect(shownCompile).toHaveBeenCalledTimes(1);
    } finally {
      logger.silent = silent;
      enabled.mockRestore();
    }
  });
});

describe("the owner's key-level policy", () => {
  it('is serialised once per organisation, to the bytes fabric-shim builds for it', async () => {
    const { KeyEndorsementPolicy } = load('fabric-shim') as typeof FabricShim;
    const policyOf = (msp: string): Uint8Array => {
      const policy = new KeyEndorsementPolicy();
      policy.addOrgs('MEMBER', msp);
      return policy.getPolicy();
    };
    const expected = { [PSB]: policyOf(PSB), [MARKET]: policyOf(MARKET) };
    expect(Buffer.from(expected[PSB]).equals(Buffer.from(expected[MARKET]))).toBe(false);
    const built = vi.spyOn(KeyEndorsementPolicy.prototype, 'getPolicy');
    try {
      const w = await createWorld();
      const entries = [
        ['psbPublisher', 'PSB-0001', PSB],
        ['psbPublisher', 'PSB-0002', PSB],
        ['marketPublisher', 'MKT-0001', MARKET],
        ['marketPublisher', 'MKT-0002', MARKET],
      ] as const;
      for (const [user, id] of entries)
        ok(await w.submit(user, TX.catalog.CreateEntry, [JSON.stringify(entry(id))]));
      // Four entries, two keys each, two owners: at most one serialisation per owner.
      expect(built.mock.calls.length).toBeLessThanOrEqual(2);
      for (const [, id, owner] of entries) {
        const stored = await w.h.state.get(`\u0000catalog\u0000${id}\u0000`);
        expect(Buffer.from(stored?.validationParameter ?? [])).toEqual(
          Buffer.from(expected[owner]),
        );
      }
    } finally {
      built.mockRestore();
    }
  });
});
