/**
 * `npm run fabric:up | fabric:down | fabric:status`: the Fabric network's commands.
 *
 *   fabric:up     [--dir <dir>] [--config <departments.yaml>]   create or resume the network
 *   fabric:down   [--dir <dir>] [--wipe]                        stop it (and remove its data)
 *   fabric:status [--dir <dir>] [--json]                        each process, peers' heights
 *
 * With `--org <id>` (repeatable) each works on those organisations' processes only: a
 * department's peer and chaincode server, or the ordering organisation's orderers. That is what
 * an organisation's operator runs on its own machine, from its own folder of a network that
 * `fabric:up` laid out (network/fabric/README.md, "One organisation's side").
 *
 * The folder defaults to SHULIAN_FABRIC_DIR, else data/fabric; Fabric binaries are found in
 * FABRIC_HOME, else ~/.cache/shulian/fabric.
 */
import { parseArgs } from 'node:util';
import { FabricNotFoundError } from './binaries.js';
import { fabricDir } from './layout.js';
import { fabricDown, fabricStatus, fabricUp, fabricUpOrgs, openNetwork } from './network.js';

const USAGE = `usage: fabric <up|down|status> [--dir <dir>] [--org <id>]... [--config <departments.yaml>] [--wipe] [--json]`;

const OPTIONS = {
  dir: { type: 'string' },
  config: { type: 'string' },
  org: { type: 'string', multiple: true },
  wipe: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

const log = (line: string) => process.stdout.write(`${line}\n`);

async function up(dir: string, values: Values): Promise<number> {
  const options = { dir, ...(values.config ? { configFile: values.config } : {}), log };
  if (values.org) {
    await fabricUpOrgs({ ...options, orgs: values.org });
    return 0;
  }
  const net = await fabricUp(options);
  for (const d of net.config.departments)
    log(`  ${d.id}: connection profile ${net.layout.connectionProfile(d.id)}`);
  return 0;
}

async function down(dir: string, values: Values): Promise<number> {
  if (values.org && values.wipe) {
    process.stderr.write(
      `--wipe removes the whole network folder, not one organisation's side\n${USAGE}\n`,
    );
    return 2;
  }
  await fabricDown({ dir, wipe: values.wipe, log, ...(values.org ? { orgs: values.org } : {}) });
  return 0;
}

async function status(dir: string, values: Values): Promise<number> {
  const net = await openNetwork({ dir, ...(values.config ? { configFile: values.config } : {}) });
  if (!net) {
    log(`no Fabric network in ${dir} (run npm run fabric:up)`);
    return 1;
  }
  const rows = await fabricStatus(net, values.org);
  if (values.json) log(JSON.stringify(rows, null, 2));
  else
    for (const r of rows)
      log(
        `${r.name.padEnd(20)} ${r.running ? `running  pid ${r.pid}` : 'STOPPED        '}` +
          `  ports ${r.ports.join(',')}` +
          (r.height === undefined ? '' : `  height ${r.height} ${r.blockHash?.slice(0, 16)}`),
      );
  return rows.every((r) => r.running) ? 0 : 1;
}

const COMMANDS = new Map<string, (dir: string, values: Values) => Promise<number>>([
  ['up', up],
  ['down', down],
  ['status', status],
]);

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: OPTIONS,
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const run = COMMANDS.get(command);
  if (!run) {
    process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
    return 2;
  }
  return run(fabricDir(values.dir), values);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof FabricNotFoundError ? '' : 'fabric: '}${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);
