/**
 * What the `shulian` command line says about itself: one spec per command (usage lines, what it
 * does, the options it takes, examples), the global help built from them, and usage errors that
 * name the command and show only its usage, so a mistake costs three lines, not the whole manual.
 */
import { CliError } from './client.js';
import { displayWidth, t, type CliKey } from './i18n.js';

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
  summary: CliKey;
  usage: string[];
  /** options this command takes besides the global ones */
  options: string[];
  /** sub-commands ("export", "create" ...), when the command has them */
  actions?: string[];
  details?: CliKey;
  examples: string[];
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS = ['url', 'token', 'data-dir', 'json', 'lang', 'help'];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    summary: 'help.init.summary',
    usage: ['shulian init [--data-dir <dir>]'],
    options: [],
    details: 'help.init.details',
    examples: ['shulian init --data-dir ./data', 'npm run serve'],
  },
  {
    name: 'serve',
    summary: 'help.serve.summary',
    usage: ['shulian serve [--department <id>] [--data-dir <dir>]'],
    options: ['department'],
    details: 'help.serve.details',
    examples: ['LEDGER=fabric SHULIAN_PORT=8081 shulian serve --department psb', 'npm run serve'],
  },
  {
    name: 'anchor',
    summary: 'help.anchor.summary',
    usage: [
      'shulian anchor <file> --catalog <id> [--reason <text>] [--media-type <type>] [--algorithm sha256|sm3]',
    ],
    options: ['catalog', 'reason', 'media-type', 'algorithm'],
    details: 'help.anchor.details',
    examples: [
      'shulian anchor enterprises.csv --catalog AMR-ENT-001 --reason "monthly refresh"',
      'shulian anchor births.jsonl --catalog HLT-BIRTH-001 --algorithm sm3 --json',
    ],
  },
  {
    name: 'verify',
    summary: 'help.verify.summary',
    usage: [
      'shulian verify <file> --proof <bundle.json> --trust <trust.json>',
      'shulian verify --digest <hex> --proof <bundle.json> --trust <trust.json>',
      'shulian verify --record <record.json> --proof <bundle.json> --trust <trust.json>',
      'shulian verify <file> --delivery <receipt.json> --trust <trust.json>',
      'shulian verify <file> | --digest <hex>',
    ],
    options: ['proof', 'delivery', 'trust', 'digest', 'record', 'algorithm'],
    details: 'help.verify.details',
    examples: [
      'shulian verify enterprises.csv --proof AMR-ENT-001-v1.proof.json --trust trust.json',
      'shulian verify population.csv --delivery USE-0123.receipt.json --trust trust.json',
      'shulian verify --digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --url http://127.0.0.1:8080',
    ],
  },
  {
    name: 'proof',
    summary: 'help.proof.summary',
    usage: [
      'shulian proof --catalog <id> --version <n> [--record <index>] [--out <file>]',
      'shulian proof --usage <usage-id> [--out <file>]',
    ],
    options: ['catalog', 'version', 'record', 'usage', 'out'],
    details: 'help.proof.details',
    examples: [
      'shulian proof --catalog AMR-ENT-001 --version 1 --out proof.json',
      'shulian proof --catalog AMR-ENT-001 --version 1 --record 3',
      'shulian proof --usage USE-0123 --out receipt.json',
    ],
  },
  {
    name: 'trace',
    summary: 'help.trace.summary',
    usage: [
      'shulian trace [--catalog <id>] [--department <id>] [--provider <id>] [--user <name>]',
      '              [--from <day|instant>] [--to <day|instant>] [--outcome ALLOWED|DENIED] [--limit <n>]',
    ],
    options: ['catalog', 'department', 'provider', 'user', 'from', 'to', 'outcome', 'limit'],
    details: 'help.trace.details',
    examples: [
      'shulian trace --catalog AMR-ENT-001 --from 2026-03-01 --to 2026-03-31',
      'shulian trace --department psb --outcome DENIED --json',
    ],
  },
  {
    name: 'trust',
    summary: 'help.trust.summary',
    usage: ['shulian trust export [--out <trust.json>]'],
    options: ['out'],
    actions: ['export'],
    details: 'help.trust.details',
    examples: [
      'shulian trust export --url http://127.0.0.1:8080 --out trust.json',
      'shulian trust export --data-dir ./data',
    ],
  },
  {
    name: 'tokens',
    summary: 'help.tokens.summary',
    usage: [
      'shulian tokens create --department <id> --user <name> --role <role> [--role <role>...] [--label <text>]',
      'shulian tokens list',
      'shulian tokens revoke <token-id> | --user <name> [--department <id>]',
    ],
    options: ['department', 'user', 'role', 'label'],
    actions: ['create', 'list', 'revoke'],
    details: 'help.tokens.details',
    examples: [
      'shulian tokens create --department amr --user zhangsan --role consumer --label "张三"',
      'shulian tokens revoke --user zhangsan --department amr',
    ],
  },
  {
    name: 'users',
    summary: 'help.users.summary',
    usage: [
      'shulian users create --department <id> --user <name> --role <role> [--role <role>...] [--label <text>]',
      'shulian users list --department <id>',
      'shulian users revoke --department <id> --user <name>',
    ],
    options: ['department', 'user', 'role', 'label'],
    actions: ['create', 'list', 'revoke'],
    details: 'help.users.details',
    examples: [
      'shulian users create --department amr --user zhangsan --role consumer --label "张三" --url http://127.0.0.1:8080 --token $ADMIN',
      'shulian users list --department amr --url http://127.0.0.1:8080 --token $ADMIN',
    ],
  },
  {
    name: 'node',
    summary: 'help.node.summary',
    usage: ['shulian node repair <department>'],
    options: [],
    actions: ['repair'],
    details: 'help.node.details',
    examples: [
      'shulian node repair health --url http://127.0.0.1:8080 --token $TOKEN',
      'shulian node repair health --data-dir ./data',
    ],
  },
  {
    name: 'index',
    summary: 'help.index.summary',
    usage: ['shulian index rebuild'],
    options: [],
    actions: ['rebuild'],
    examples: ['shulian index rebuild --data-dir ./data'],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The global options' help, in the order `shulian --help` lists them. */
const GLOBAL_OPTION_HELP: readonly [string, CliKey][] = [
  ['--url <url>', 'help.opt.url'],
  ['--token <token>', 'help.opt.token'],
  ['--data-dir <dir>', 'help.opt.dataDir'],
  ['--json', 'help.opt.json'],
  ['--lang zh|en', 'help.opt.lang'],
  ['-h, --help', 'help.opt.help'],
  ['-V, --version', 'help.opt.version'],
];

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const optionWidth = Math.max(...GLOBAL_OPTION_HELP.map(([o]) => o.length)) + 2;
  return `${t('help.title')}

${t('help.usage')}

${t('help.commands')}
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${t(c.summary)}`).join('\n')}

${t('help.options')}
${GLOBAL_OPTION_HELP.map(([option, key]) => `  ${option.padEnd(optionWidth)} ${t(key)}`).join('\n')}

${t('help.exit')}
`;
}

export function commandHelp(spec: CommandSpec): string {
  return `shulian ${spec.name} — ${t(spec.summary)}

${t('help.usageHeading')}
${spec.usage.map((u) => `  ${u}`).join('\n')}
${spec.details ? `\n${t(spec.details)}\n` : ''}
${t('help.examples')}
${spec.examples.map((e) => `  ${e}`).join('\n')}

${t('help.also')}
`;
}

/** A message said by the program or one of its commands: "shulian verify: ...". */
export const prefixed = (program: string, message: string): string =>
  t('program.says', { program, message });

/** The short answer to a usage error: what is wrong, the command's usage, where to read more. */
export function usageMessage(error: UsageError): string {
  const spec = error.command === undefined ? undefined : commandSpec(error.command);
  if (!spec) return `${prefixed('shulian', error.message)}\n${t('usage.commands')}\n`;
  // Further usage lines align under the first, after "Usage: " or "用法：".
  const indent = ' '.repeat(displayWidth(t('usage.line', { usage: '' })));
  return (
    `${prefixed(`shulian ${spec.name}`, error.message)}\n` +
    `${t('usage.line', { usage: spec.usage.join(`\n${indent}`) })}\n` +
    `${t('usage.more', { command: spec.name })}\n`
  );
}

/** node:util parseArgs errors in a person's words (its own text suggests `--` for positionals). */
export function parseArgsMessage(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? '')?.[1] ?? '--option';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return t('args.unknownOption', { option });
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message ?? '')) return t('args.noValue', { option });
      // `--limit -3`: a value that starts with a dash reads as another option.
      if (/ambiguous/.test(message ?? '')) return t('args.dashValue', { option });
      return t('args.needsValue', { option });
    case undefined:
    default:
      return message ?? String(err);
  }
}
