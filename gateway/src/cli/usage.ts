/**
 * What the `shulian` command line says about itself: one spec per command (usage lines, what it
 * does, the options it takes, examples), the global help built from them, and usage errors that
 * name the command and show only its usage, so a mistake costs three lines, not the whole manual.
 */
import { CliError } from './client.js';

/** Exit status, as documented in `shulian --help` and the README. */
export const EXIT = {
  /** the command did what was asked */
  OK: 0,
  /** it ran and failed: the gateway refused, a proof does not verify, a digest is not anchored */
  FAILED: 1,
  /** the command line is wrong: unknown command or option, missing or malformed value, no such file */
  USAGE: 2,
} as const;

export class UsageError extends CliError {
  constructor(
    message: string,
    /** the command whose usage to show; the global one when undefined */
    readonly command?: string,
    code = 'USAGE',
  ) {
    super(code, message);
  }
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string[];
  /** options this command takes besides the global ones */
  options: string[];
  /** sub-commands ("export", "create" ...), when the command has them */
  actions?: string[];
  details?: string;
  examples: string[];
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS = ['url', 'token', 'data-dir', 'json', 'help'];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    summary: 'first run without demo data: calendars, departments, admin tokens (server stopped)',
    usage: ['shulian init [--data-dir <dir>]'],
    options: [],
    details:
      'Publishes the bundled working-day calendars, registers the departments of departments.yaml\n' +
      '(SHULIAN_NETWORK), and issues an admin token for the coordinator and each department that has\n' +
      'none yet (shown once). Running it again does only what is missing. Then start the server without\n' +
      'demo mode (npm run serve); each department admin creates its users in the console or the API.',
    examples: ['shulian init --data-dir ./data', 'npm run serve'],
  },
  {
    name: 'serve',
    summary:
      'run the gateway (API and console); --department: one department’s own gateway on Fabric',
    usage: ['shulian serve [--department <id>] [--data-dir <dir>]'],
    options: ['department'],
    details:
      'Without --department one gateway serves every department (the embedded engine, or LEDGER=fabric\n' +
      'from one machine). With --department <id> (or SHULIAN_DEPARTMENT) and LEDGER=fabric the gateway\n' +
      'reads only <fabric dir>/departments/<id>/ (its users’ keys, its CA, its peer), signs in only its\n' +
      'users, and keeps its index, store and tokens in <data-dir>/gateway-<id>/. Refused on the embedded\n' +
      'engine (DEPARTMENT_NEEDS_FABRIC) and for a department not in the network (UNKNOWN_DEPARTMENT).',
    examples: ['LEDGER=fabric SHULIAN_PORT=8081 shulian serve --department psb', 'npm run serve'],
  },
  {
    name: 'anchor',
    summary: 'upload a dataset file and anchor it as a new version of a catalog entry',
    usage: [
      'shulian anchor <file> --catalog <id> [--reason <text>] [--media-type <type>] [--algorithm sha256|sm3]',
    ],
    options: ['catalog', 'reason', 'media-type', 'algorithm'],
    details:
      'Streams the file to the gateway (publisher of the owning department), which hashes, stores and\n' +
      'anchors it. The media type follows the file name (.csv, .jsonl, .json, .txt, .pdf, .zip, .gz, .png,\n' +
      ".jpg) unless given; for any other name none is sent and the entry's declared format is meant. A file\n" +
      'not of that format is refused (MEDIA_TYPE_MISMATCH). If the gateway refuses (not your catalog entry,\n' +
      'no publisher role), the upload stops at once.',
    examples: [
      'shulian anchor enterprises.csv --catalog AMR-ENT-001 --reason "monthly refresh"',
      'shulian anchor births.jsonl --catalog HLT-BIRTH-001 --algorithm sm3 --json',
    ],
  },
  {
    name: 'verify',
    summary: 'check a file, digest or record against a proof bundle (offline) or the gateway',
    usage: [
      'shulian verify <file> --proof <bundle.json> --trust <trust.json>',
      'shulian verify --digest <hex> --proof <bundle.json> --trust <trust.json>',
      'shulian verify --record <record.json> --proof <bundle.json> --trust <trust.json>',
      'shulian verify <file> --delivery <receipt.json> --trust <trust.json>',
      'shulian verify <file> | --digest <hex>',
    ],
    options: ['proof', 'delivery', 'trust', 'digest', 'record', 'algorithm'],
    details:
      'With --proof it is strictly offline: the file is hashed here and the bundle is checked against the\n' +
      'trust file (from `shulian trust export`); nothing is sent anywhere. With --delivery, also offline, a\n' +
      'file you received (a download, projected to your granted fields or whole) is checked against the\n' +
      'delivery receipt of its use (`shulian proof --usage <id>`): its size and digest are the ones the\n' +
      'usage record says were delivered, and the record is the one its signed transaction wrote; it then\n' +
      'says to whom, under which grant and purpose, and when (China Standard Time) it was delivered.\n' +
      'Without either it asks the gateway which catalog versions anchor the digest. Exit status 0 when it\n' +
      'verifies, 1 when it does not, 2 for a usage error (a missing file, a receipt given as --proof ...).',
    examples: [
      'shulian verify enterprises.csv --proof AMR-ENT-001-v1.proof.json --trust trust.json',
      'shulian verify population.csv --delivery USE-0123.receipt.json --trust trust.json',
      'shulian verify --digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --url http://127.0.0.1:8080',
    ],
  },
  {
    name: 'proof',
    summary:
      'download the proof bundle of a dataset version or of one record, or a use’s delivery receipt',
    usage: [
      'shulian proof --catalog <id> --version <n> [--record <index>] [--out <file>]',
      'shulian proof --usage <usage-id> [--out <file>]',
    ],
    options: ['catalog', 'version', 'record', 'usage', 'out'],
    details:
      'Writes <catalog>-v<n>.proof.json (or -r<index> for a record, kept byte for byte as served: a\n' +
      'record proof is a use, and its receipt names exactly those bytes) unless --out names the file. The\n' +
      'bundle and a trust file are all `shulian verify` needs, offline. --usage writes <id>.receipt.json,\n' +
      'the delivery receipt of an allowed use (the id is in a download’s x-shulian-usage-id header and in\n' +
      '`shulian trace`), for `shulian verify <file> --delivery`.',
    examples: [
      'shulian proof --catalog AMR-ENT-001 --version 1 --out proof.json',
      'shulian proof --catalog AMR-ENT-001 --version 1 --record 3',
      'shulian proof --usage USE-0123 --out receipt.json',
    ],
  },
  {
    name: 'trace',
    summary: 'the audit trail of data use: who used which dataset, when, allowed or denied',
    usage: [
      'shulian trace [--catalog <id>] [--department <id>] [--provider <id>] [--user <name>]',
      '              [--from <day|instant>] [--to <day|instant>] [--outcome ALLOWED|DENIED] [--limit <n>]',
    ],
    options: ['catalog', 'department', 'provider', 'user', 'from', 'to', 'outcome', 'limit'],
    details:
      'Days are YYYY-MM-DD in China Standard Time; an instant is ISO 8601 with a zone\n' +
      '(2026-03-01T09:00+08:00). Times are shown in China Standard Time.',
    examples: [
      'shulian trace --catalog AMR-ENT-001 --from 2026-03-01 --to 2026-03-31',
      'shulian trace --department psb --outcome DENIED --json',
    ],
  },
  {
    name: 'trust',
    summary: 'export the trust file that offline verification checks proofs against',
    usage: ['shulian trust export [--out <trust.json>]'],
    options: ['out'],
    actions: ['export'],
    details:
      'From the gateway when --url or SHULIAN_URL is given, else from the local data directory.\n' +
      'It holds the departments’ signing certificates and the endorsement policy; publish it once.',
    examples: [
      'shulian trust export --url http://127.0.0.1:8080 --out trust.json',
      'shulian trust export --data-dir ./data',
    ],
  },
  {
    name: 'tokens',
    summary: 'issue, list and revoke API tokens (local data directory)',
    usage: [
      'shulian tokens create --department <id> --user <name> --role <role> [--role <role>...] [--label <text>]',
      'shulian tokens list',
      'shulian tokens revoke <token-id> | --user <name> [--department <id>]',
    ],
    options: ['department', 'user', 'role', 'label'],
    actions: ['create', 'list', 'revoke'],
    details:
      'Works on <data-dir>/gateway/tokens.json, also while the server runs: a revoked token is refused\n' +
      'at once. A token is shown once, when it is created. A token says who someone is; the roles it\n' +
      "names work once the ledger grants them: `shulian users create` (the department's admin) does both.",
    examples: [
      'shulian tokens create --department amr --user zhangsan --role consumer --label "张三"',
      'shulian tokens revoke --user zhangsan --department amr',
    ],
  },
  {
    name: 'users',
    summary:
      "a department's users through the gateway: roles on the ledger and a token, in one step",
    usage: [
      'shulian users create --department <id> --user <name> --role <role> [--role <role>...] [--label <text>]',
      'shulian users list --department <id>',
      'shulian users revoke --department <id> --user <name>',
    ],
    options: ['department', 'user', 'role', 'label'],
    actions: ['create', 'list', 'revoke'],
    details:
      "The department's admin (--token, or SHULIAN_TOKEN) on a running gateway (--url). create writes the\n" +
      'roles (publisher, consumer, supervisor, verifier) on the ledger and issues a token with them, shown\n' +
      "once: the user can work at once. list shows each user's roles and what their tokens claim that the\n" +
      'ledger does not grant; revoke withdraws every token of the user (roles stay on the ledger).',
    examples: [
      'shulian users create --department amr --user zhangsan --role consumer --label "张三" --url http://127.0.0.1:8080 --token $ADMIN',
      'shulian users list --department amr --url http://127.0.0.1:8080 --token $ADMIN',
    ],
  },
  {
    name: 'node',
    summary: "rebuild a department's node from the orderer's blocks, re-validating each",
    usage: ['shulian node repair <department>'],
    options: [],
    actions: ['repair'],
    details:
      'Through the gateway when --url or SHULIAN_URL is given (coordinator admin token), else on the\n' +
      'local data directory with the server stopped. The node’s ledger is discarded and rebuilt; a\n' +
      'department whose key folder was lost gets its keys back from <data-dir>/network/key-backups first.',
    examples: [
      'shulian node repair health --url http://127.0.0.1:8080 --token $TOKEN',
      'shulian node repair health --data-dir ./data',
    ],
  },
  {
    name: 'index',
    summary: 'rebuild the query index from block 0 (server stopped)',
    usage: ['shulian index rebuild'],
    options: [],
    actions: ['rebuild'],
    examples: ['shulian index rebuild --data-dir ./data'],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `shulian — 数链 command line

Usage: shulian <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options for every command:
  --url <url>        gateway URL (SHULIAN_URL, default http://127.0.0.1:8080)
  --token <token>    bearer token (SHULIAN_TOKEN)
  --data-dir <dir>   data directory for local commands (SHULIAN_DATA_DIR, default ./data)
  --json             machine-readable output on stdout
  -h, --help         help; \`shulian <command> --help\` for a command's options and examples
  -V, --version      the version of this command line

Exit status: 0 success; 1 failure (the gateway refused, a proof does not verify, a digest is not
anchored); 2 usage error (unknown command or option, a missing or malformed value, no such file).
`;
}

export function commandHelp(spec: CommandSpec): string {
  return `shulian ${spec.name} — ${spec.summary}

Usage:
${spec.usage.map((u) => `  ${u}`).join('\n')}
${spec.details ? `\n${spec.details}\n` : ''}
Examples:
${spec.examples.map((e) => `  ${e}`).join('\n')}

Also: --url, --token, --data-dir, --json (see \`shulian --help\`).
`;
}

/** The short answer to a usage error: what is wrong, the command's usage, where to read more. */
export function usageMessage(error: UsageError): string {
  const spec = error.command === undefined ? undefined : commandSpec(error.command);
  if (!spec) return `shulian: ${error.message}\nRun \`shulian --help\` for the commands.\n`;
  return (
    `shulian ${spec.name}: ${error.message}\n` +
    `Usage: ${spec.usage.join('\n       ')}\n` +
    `Run \`shulian ${spec.name} --help\` for examples.\n`
  );
}

/** node:util parseArgs errors in a person's words (its own text suggests `--` for positionals). */
export function parseArgsMessage(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? '')?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message ?? ''))
        return `${option ?? 'this option'} takes no value`;
      // `--limit -3`: a value that starts with a dash reads as another option.
      if (/ambiguous/.test(message ?? ''))
        return `${option ?? 'an option'} needs a value; one that starts with a dash goes after "=" (${option ?? '--option'}=-1)`;
      return `${option ?? 'an option'} needs a value`;
    case undefined:
    default:
      return message ?? String(err);
  }
}
