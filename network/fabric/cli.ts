/**
 * `npm run fabric:up | fabric:down | fabric:status`: the Fabric network's commands.
 *
 *   fabric:up     [--dir <dir>] [--config <departments.yaml>]   create or resume the network
 *   fabric:down   [--dir <dir>] [--wipe]                        stop it (and remove its data)
 *   fabric:status [--dir <dir>] [--json]                        each process, peers' heights
 *
 * The folder defaults to SHULIAN_FABRIC_DIR, else data/fabric; Fabric binaries are found in
 * FABRIC_HOME, else ~/.cache/shulian/fabric.
 */
import { parseArgs } from 'node:util';
import { FabricNotFoundError } from './binaries.js';
import { fabricDir } from './layout.js';
import { fabricDown, fabricStatus, fabricUp, openNetwork } from './network.js';

const USAGE = `usage: fabric <up|down|status> [--dir <dir>] [--config <departments.yaml>] [--wipe] [--json]`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      config: { type: 'string' },
      wipe: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const dir = fabricDir(values.dir);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case 'up': {
      const net = await fabricUp({
        dir,
        ...(values.config ? { configFile: values.config } : {}),
        log,
      });
      for (const d of net.config.departments)
        log(`  ${d.id}: connection profile ${net.layout.connectionProfile(d.id)}`);
      return 0;
    }
    case 'down':
      await fabricDown({ dir, wipe: values.wipe, log });
      return 0;
    case 'status': {
      const net = await openNetwork({
        dir,
        ...(values.config ? { configFile: values.config } : {}),
      });
      if (!net) {
        log(`no Fabric network in ${dir} (run npm run fabric:up)`);
        return 1;
      }
      const rows = await fabricStatus(net);
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
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
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
