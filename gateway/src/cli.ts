#!/usr/bin/env node
/**
 * `shulian`: the command line. Commands that talk to a running gateway use --url and --token
 * (or SHULIAN_URL / SHULIAN_TOKEN); `verify --proof` is strictly offline; `tokens`, `index` and
 * `trust export` work on the local data directory. Every command takes --json for a machine
 * answer on stdout; progress goes to stderr and only to a terminal.
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Json } from '@shulian/chaincode/canonical';
import { isRole, ROLES, createTokenStore, type Role, type TokenStore } from './auth/tokens.js';
import { CliError, createClient } from './cli/client.js';
import { hashFile, readJsonFile, verifyOffline, type HeldInput } from './cli/offline.js';
import { progressBar, formatBytes, NO_PROGRESS, type Progress } from './cli/progress.js';
import { loadConfig } from './config.js';
import { isEntryPoint } from './services/entry.js';
import { openRuntime } from './services/runtime.js';

const USAGE = `shulian — 数链 command line

Usage:
  shulian anchor <file> --catalog <id> [--reason <text>] [--media-type <type>] [--algorithm sha256|sm3]
  shulian verify <file> --proof <bundle.json> --trust <trust.json>     offline: file against a proof bundle
  shulian verify --digest <hex> --proof <bundle.json> --trust <trust.json>
  shulian verify --record <record.json> --proof <bundle.json> --trust <trust.json>
  shulian verify <file> | --digest <hex>                                online: ask the gateway
  shulian proof --catalog <id> --version <n> [--record <index>] [--out <file>]
  shulian trace [--catalog <id>] [--department <id>] [--provider <id>] [--user <name>]
                [--from <day|instant>] [--to <day|instant>] [--outcome ALLOWED|DENIED] [--limit <n>]
  shulian trust export [--out <trust.json>]
  shulian tokens create --department <id> --user <name> --role <role> [--role <role>...] [--label <text>]
  shulian tokens list
  shulian tokens revoke <token-id> | --user <name> [--department <id>]   the server refuses it at once
  shulian index rebuild

Options:
  --url <url>        gateway URL (SHULIAN_URL, default http://127.0.0.1:8080)
  --token <token>    bearer token (SHULIAN_TOKEN)
  --data-dir <dir>   data directory for local commands (SHULIAN_DATA_DIR, default ./data)
  --json             machine-readable output on stdout
  -h, --help         this help

Exit status: 0 success, 1 failure (including a proof that does not verify), 2 usage error.
`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  catalog: { type: 'string' },
  version: { type: 'string' },
  reason: { type: 'string' },
  'media-type': { type: 'string' },
  algorithm: { type: 'string' },
  proof: { type: 'string' },
  trust: { type: 'string' },
  digest: { type: 'string' },
  record: { type: 'string' },
  out: { type: 'string' },
  department: { type: 'string' },
  provider: { type: 'string' },
  user: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  outcome: { type: 'string' },
  limit: { type: 'string' },
  role: { type: 'string', multiple: true },
  label: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

interface Output {
  json: boolean;
  /** A progress bar on stderr; none with --json (machine consumers want one clean answer). */
  progress(label: string, total: number | undefined): Progress;
  /** Print the result: JSON on --json, else the human line(s). */
  result(value: unknown, human: string): void;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function need(values: Values, name: keyof Values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${String(name)} is required`);
  return v;
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

function algorithmOf(values: Values): 'sha256' | 'sm3' {
  const a = values.algorithm ?? 'sha256';
  if (a !== 'sha256' && a !== 'sm3') throw new UsageError('--algorithm must be sha256 or sm3');
  return a;
}

function client(values: Values) {
  const url = values.url ?? process.env.SHULIAN_URL ?? 'http://127.0.0.1:8080';
  return createClient(url, values.token ?? process.env.SHULIAN_TOKEN);
}

function config(values: Values) {
  return loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {});
}

const q = (params: Record<string, string | number | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};

async function anchor(values: Values, positionals: string[], out: Output): Promise<number> {
  const file = positionals[0];
  if (!file) throw new UsageError('anchor needs a file');
  const catalog = need(values, 'catalog');
  const mediaType =
    values['media-type'] ?? MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const path = `/api/v1/catalog/${encodeURIComponent(catalog)}/versions${q({ reason: values.reason, algorithm: algorithmOf(values) })}`;
  const { size } = await stat(file);
  const bar = out.progress(`anchor ${basename(file)}`, size);
  const result = await client(values).upload<{
    data: { version: number; digest: { algorithm: string; value: string } };
    tx: { txId: string; blockNumber: number };
  }>(path, file, mediaType, bar);
  bar.done();
  out.result(
    result,
    `anchored ${file} (${formatBytes(size)}) as ${catalog} version ${result.data.version}\n` +
      `  ${result.data.digest.algorithm} ${result.data.digest.value}\n  tx ${result.tx.txId} in block ${result.tx.blockNumber}`,
  );
  return 0;
}

async function verify(values: Values, positionals: string[], out: Output): Promise<number> {
  const file = positionals[0];
  const given = [
    file !== undefined,
    values.digest !== undefined,
    values.record !== undefined,
  ].filter(Boolean).length;
  if (given !== 1)
    throw new UsageError(
      'verify needs exactly one of: a file, --digest <hex>, --record <record.json>',
    );
  if (values.proof !== undefined) {
    const trust = need(values, 'trust');
    let held: HeldInput;
    if (file !== undefined) held = { kind: 'file', path: file };
    else if (values.digest !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(values.digest))
        throw new UsageError('--digest must be 64 lower-case hex digits');
      held = { kind: 'digest', digest: { algorithm: algorithmOf(values), value: values.digest } };
    } else
      held = { kind: 'record', record: (await readJsonFile(values.record!, 'record')) as Json };
    const result = await verifyOffline(values.proof, trust, held, (total) =>
      out.progress('hash', total),
    );
    if (result.ok) {
      out.result(
        { ...result, offline: true },
        `VERIFIED (offline): ${result.subject}\n  anchored by ${result.department} in tx ${result.txId}, block ${result.blockNumber}, ` +
          `${new Date(result.timestamp).toISOString()}`,
      );
      return 0;
    }
    out.result(
      { ...result, offline: true },
      `NOT VERIFIED: ${result.subject}\n${result.failures.map((f) => `  ${f.check}: ${f.message}`).join('\n')}`,
    );
    return 1;
  }
  // Online: hash locally, ask the gateway which versions anchor that digest.
  let algorithm = algorithmOf(values);
  let digest = values.digest;
  if (file !== undefined) {
    const { size } = await stat(file);
    const h = await hashFile(file, algorithm, out.progress('hash', size));
    ({ algorithm, value: digest } = h);
  }
  if (digest === undefined) throw new UsageError('online verify takes a file or --digest');
  const answer = await client(values).json<{
    matches: {
      catalogId: string;
      version: number;
      owner: string;
      txId: string;
      blockNumber: number;
    }[];
  }>('GET', `/api/v1/verify${q({ algorithm, digest })}`);
  const ok = answer.matches.length > 0;
  out.result(
    { ok, algorithm, digest, ...answer },
    ok
      ? `ANCHORED: ${algorithm} ${digest}\n${answer.matches.map((m) => `  ${m.catalogId} v${m.version} (${m.owner}) tx ${m.txId} block ${m.blockNumber}`).join('\n')}`
      : `NOT ANCHORED: ${algorithm} ${digest}`,
  );
  return ok ? 0 : 1;
}

async function proof(values: Values, out: Output): Promise<number> {
  const catalog = need(values, 'catalog');
  const version = positiveInt(need(values, 'version'), 'version');
  const base = `/api/v1/catalog/${encodeURIComponent(catalog)}/versions/${version}`;
  const path =
    values.record === undefined
      ? `${base}/proof`
      : `${base}/records/${positiveInt(values.record, 'record')}/proof`;
  const bundle = await client(values).json<unknown>('GET', path);
  const target =
    values.out ??
    `${catalog}-v${version}${values.record === undefined ? '' : `-r${values.record}`}.proof.json`;
  await writeFile(target, JSON.stringify(bundle, null, 2) + '\n');
  out.result({ written: target }, `proof bundle written to ${target}`);
  return 0;
}

async function trace(values: Values, out: Output): Promise<number> {
  const params = {
    catalogId: values.catalog,
    department: values.department,
    provider: values.provider,
    user: values.user,
    from: values.from,
    to: values.to,
    outcome: values.outcome,
    limit: values.limit === undefined ? 100 : positiveInt(values.limit, 'limit'),
  };
  const page = await client(values).json<{
    items: {
      at: string;
      outcome: string;
      action: string;
      catalogId: string;
      datasetVersion: number | null;
      consumer: { department: string; user: string };
      fields: string[];
      denialCode: string | null;
    }[];
    nextCursor: string | null;
  }>('GET', `/api/v1/audit/usage${q(params)}`);
  const lines = page.items.map(
    (u) =>
      `${u.at}  ${u.outcome.padEnd(7)} ${u.action.padEnd(8)} ${u.catalogId}${u.datasetVersion === null ? '' : `@${u.datasetVersion}`}  ` +
      `${u.consumer.department}/${u.consumer.user}  [${u.fields.join(',')}]${u.denialCode ? `  ${u.denialCode}` : ''}`,
  );
  out.result(page, lines.length ? lines.join('\n') : 'no recorded uses match');
  return 0;
}

async function trustExport(values: Values, out: Output): Promise<number> {
  const target = values.out ?? 'trust.json';
  let trust: unknown;
  if (values.url !== undefined || process.env.SHULIAN_URL !== undefined) {
    trust = await client(values).json<unknown>('GET', '/api/v1/ledger/trust');
  } else {
    const runtime = await openRuntime(config(values), { follow: false });
    try {
      trust = runtime.exportTrust();
    } finally {
      await runtime.close();
    }
  }
  await writeFile(target, JSON.stringify(trust, null, 2) + '\n');
  out.result({ written: target }, `trust file written to ${target}`);
  return 0;
}

async function tokens(values: Values, positionals: string[], out: Output): Promise<number> {
  const store = createTokenStore(join(config(values).dataDir, 'gateway', 'tokens.json'));
  if (positionals[0] === 'list') {
    const all = await store.list();
    out.result(
      { items: all },
      all.map((p) => `${p.tokenId}  ${p.department}/${p.user}  ${p.roles.join(',')}`).join('\n') ||
        'no tokens',
    );
    return 0;
  }
  if (positionals[0] === 'revoke') return revokeTokens(store, values, positionals[1], out);
  if (positionals[0] !== 'create') throw new UsageError('tokens: create, list or revoke');
  const roles = values.role ?? [];
  if (roles.length === 0) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
  const bad = roles.find((r) => !isRole(r));
  if (bad !== undefined) throw new UsageError(`unknown role ${bad} (${ROLES.join(', ')})`);
  const department = need(values, 'department');
  const user = need(values, 'user');
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(department))
    throw new UsageError('--department must be an MSP id');
  if (!/^[^/\s]{1,128}$/.test(user))
    throw new UsageError('--user must be a name without / or spaces');
  const issued = await store.create({
    department,
    user,
    roles: roles as Role[],
    ...(values.label ? { label: values.label } : {}),
  });
  out.result(
    { token: issued.token, ...issued.principal },
    `token for ${department}/${user} (${roles.join(', ')}); shown once, keep it safe:\n${issued.token}`,
  );
  return 0;
}

async function revokeTokens(
  store: TokenStore,
  values: Values,
  tokenId: string | undefined,
  out: Output,
): Promise<number> {
  const { user, department } = values;
  let match: Parameters<TokenStore['revoke']>[0];
  if (tokenId !== undefined && user === undefined) match = { tokenId };
  else if (user !== undefined && tokenId === undefined)
    match = { user, ...(department ? { department } : {}) };
  else throw new UsageError('tokens revoke: a token id or --user, not both');
  const removed = await store.revoke(match);
  out.result(
    { revoked: removed },
    removed.length
      ? removed.map((p) => `revoked ${p.tokenId}  ${p.department}/${p.user}`).join('\n')
      : 'no token matches',
  );
  return removed.length ? 0 : 1;
}

async function indexRebuild(values: Values, out: Output): Promise<number> {
  const runtime = await openRuntime(config(values), { follow: false });
  try {
    const bar = out.progress('rebuild (blocks)', undefined);
    let last = 0;
    const checkpoint = await runtime.index.rebuild(runtime.ledger, (n) => {
      bar.advance(n + 1 - last);
      last = n + 1;
    });
    bar.done();
    out.result({ checkpoint }, `index rebuilt from block 0 to ${checkpoint?.blockNumber ?? -1}`);
  } finally {
    await runtime.close();
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const out: Output = {
    json: values.json === true,
    progress(label, total) {
      return this.json ? NO_PROGRESS : progressBar(label, total);
    },
    result(value, human) {
      process.stdout.write(this.json ? JSON.stringify(value, null, 2) + '\n' : human + '\n');
    },
  };
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    switch (command) {
      case 'anchor':
        return await anchor(values, rest, out);
      case 'verify':
        return await verify(values, rest, out);
      case 'proof':
        return await proof(values, out);
      case 'trace':
        return await trace(values, out);
      case 'trust':
        if (rest[0] !== 'export') throw new UsageError('trust: export');
        return await trustExport(values, out);
      case 'tokens':
        return await tokens(values, rest, out);
      case 'index':
        if (rest[0] !== 'rebuild') throw new UsageError('index: rebuild');
        return await indexRebuild(values, out);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    const code = err instanceof CliError ? err.code : ((err as { code?: string }).code ?? 'ERROR');
    const message = err instanceof Error ? err.message : String(err);
    if (out.json)
      process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }, null, 2) + '\n');
    else
      process.stderr.write(
        `shulian: ${message} [${code}]${err instanceof UsageError ? `\n\n${USAGE}` : ''}\n`,
      );
    return err instanceof UsageError ? 2 : 1;
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
