/**
 * What Fabric test files share: the network that global-setup.ts started, and the real peer
 * CLI to invoke and query the chaincode as a department's user with chosen endorsing peers.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import {
  FabricCommandError,
  openNetwork,
  ordererFlags,
  peerCli,
  peerOf,
  tlsCaOf,
  type FabricNetwork,
} from '../../network/fabric/network.js';

const run = promisify(execFile);

export async function fabricNetwork(): Promise<FabricNetwork> {
  const net = await openNetwork({ dir: inject('fabricDir'), configFile: inject('fabricConfig') });
  if (!net) throw new Error(`no Fabric network in ${inject('fabricDir')}`);
  return net;
}

/** Runs the real `fabric:*` command (the built CLI) on the test network. */
export function fabricCommand(...args: string[]): Promise<string> {
  return fabricCommandIn(inject('fabricDir'), ...args);
}

/** Runs the real `fabric:*` command on the network folder `dir` (e.g. a department's machine). */
export async function fabricCommandIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      path.resolve('dist/network/fabric/cli.js'),
      ...args,
      '--dir',
      dir,
      '--config',
      inject('fabricConfig'),
    ],
    { timeout: 240_000 },
  );
  return stdout;
}

const encode = (args: unknown[]) =>
  args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));

export interface InvokeOptions {
  /** Departments whose peers endorse (default: the caller's and the coordinator's, or psb). */
  endorsers?: string[];
  /** Which Raft orderer receives the transaction (default 0). */
  orderer?: number;
}

/**
 * `peer chaincode invoke --waitForEvent` as `user` of `department`: resolves when the
 * transaction committed VALID; rejects with the CLI's error, which names the validation code
 * ("transaction invalidated with status (ENDORSEMENT_POLICY_FAILURE)") or the chaincode's
 * `[CODE] message`.
 */
export async function invoke(
  net: FabricNetwork,
  department: string,
  user: string,
  fcn: string,
  args: unknown[],
  options: InvokeOptions = {},
): Promise<void> {
  const endorsers =
    options.endorsers ??
    (department === net.config.coordinator
      ? [department, 'psb']
      : [department, net.config.coordinator]);
  await peerCli(
    net,
    department,
    [
      'chaincode',
      'invoke',
      ...ordererFlags(net, department, options.orderer ?? 0),
      '-C',
      net.state.channel,
      '-n',
      net.state.chaincode.name,
      ...endorsers.flatMap((d) => {
        const p = peerOf(net.state, d);
        return [
          '--peerAddresses',
          `${p.host}:${p.port}`,
          '--tlsRootCertFiles',
          tlsCaOf(net.layout, department, d),
        ];
      }),
      '--waitForEvent',
      '-c',
      JSON.stringify({ function: fcn, Args: encode(args) }),
    ],
    user,
  );
}

/** `peer chaincode query` on the caller's own peer; the chaincode's JSON answer. */
export async function query<T>(
  net: FabricNetwork,
  department: string,
  user: string,
  fcn: string,
  args: unknown[] = [],
): Promise<T> {
  const { stdout } = await peerCli(
    net,
    department,
    [
      'chaincode',
      'query',
      '-C',
      net.state.channel,
      '-n',
      net.state.chaincode.name,
      '-c',
      JSON.stringify({ function: fcn, Args: encode(args) }),
    ],
    user,
  );
  return JSON.parse(stdout) as T;
}

/** The error text of a failed CLI call (what a user of the CLI reads). */
export const cliError = (err: unknown): string =>
  err instanceof FabricCommandError ? err.message : String(err);

/**
 * The ledger as the gateway would have set it up: initialised by the coordinator, every
 * department registered, every department's clerk a publisher and consumer. Idempotent.
 */
export async function prepareLedger(net: FabricNetwork): Promise<void> {
  const coord = net.config.coordinator;
  try {
    await query(net, coord, 'admin', TX.governance.GetConfig);
  } catch (err) {
    if (!cliError(err).includes('[NOT_INITIALIZED]')) throw err;
    const c = net.config.departments.find((d) => d.id === coord)!;
    await invoke(net, coord, 'admin', TX.governance.InitLedger, [
      {
        coordinator: {
          id: c.id,
          nameZh: c.names.zh,
          nameEn: c.names.en,
          level: c.level,
          parent: null,
        },
        deadlines: net.config.deadlines,
      },
    ]);
  }
  for (const d of net.config.departments) {
    if (d.id === coord) continue;
    await invoke(net, coord, 'admin', TX.governance.RegisterDepartment, [
      { id: d.id, nameZh: d.names.zh, nameEn: d.names.en, level: d.level, parent: d.parent },
    ]).catch((err: unknown) => {
      if (!cliError(err).includes('[ALREADY_EXISTS]')) throw err;
    });
  }
  for (const d of net.config.departments)
    await invoke(net, d.id, 'admin', TX.governance.SetUserRoles, [
      'clerk',
      ['publisher', 'consumer'],
    ]);
}

/**
 * A department's machine: a copy of its folder alone, without the peer's and chaincode server's
 * working files, the connection profile's paths pointing into the copy (the caller removes it).
 */
export async function departmentMachine(fabricDir: string, department: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), `shulian-${department}-machine-`));
  const from = path.join(fabricDir, 'departments', department);
  const to = path.join(root, 'departments', department);
  await cp(from, to, {
    recursive: true,
    filter: (src) =>
      !['peer', 'chaincode'].includes(path.relative(from, src).split(path.sep)[0] ?? ''),
  });
  const profile = path.join(to, 'connection.json');
  await writeFile(
    profile,
    (await readFile(profile, 'utf8')).replaceAll(from + path.sep, to + path.sep),
  );
  return root;
}
