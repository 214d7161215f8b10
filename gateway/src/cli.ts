#!/usr/bin/env node
/**
 * `shulian`: the command line. Commands that talk to a running gateway use --url and --token
 * (or SHULIAN_URL / SHULIAN_TOKEN); `verify --proof` is strictly offline; `tokens`, `index` and
 * `trust export` work on the local data directory. Every command takes --json for a machine
 * answer on stdout; progress goes to stderr and only to a terminal.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Json } from '@shulian/chaincode/canonical';
import {
  isRole,
  ROLES,
  USER_ROLES,
  createTokenStore,
  type Role,
  type TokenStore,
} from './auth/tokens.js';
import { CliError, createClient } from './cli/client.js';
import { inputFileSize, readJsonInput } from './cli/files.js';
import { cstTime } from './cli/format.js';
import type { HeldInput } from './cli/offline.js';
import type { DeliveredUse } from '@shulian/proof/bundle';
import {
  checkText,
  getLang,
  codeText,
  isLang,
  langFromEnv,
  ledgerWord,
  list,
  padDisplay,
  setLang,
  t,
} from './cli/i18n.js';
import { progressBar, formatBytes, NO_PROGRESS, type Progress } from './cli/progress.js';
import {
  EXIT,
  GLOBAL_OPTIONS,
  UsageError,
  commandHelp,
  commandSpec,
  globalHelp,
  parseArgsMessage,
  usageMessage,
} from './cli/usage.js';
import { gatewayDir, loadConfig } from './config.js';
import { isEntryPoint } from './services/entry.js';

// The runtime (network, index, store) and the proof checker are loaded by the commands that use
// them, so `--help`, usage errors and gateway calls start in a fraction of the time.
const runtimeModule = () => import('./services/runtime.js');
const offlineModule = () => import('./cli/offline.js');

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
  delivery: { type: 'string' },
  usage: { type: 'string' },
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
  lang: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

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
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** A day in CST or an ISO 8601 instant with its zone, as the gateway's time parameters take. */
const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

/** Reads the options of one command, raising usage errors that name it. */
class Args {
  constructor(
    readonly command: string,
    readonly values: Values,
  ) {}

  usage(message: string): UsageError {
    return new UsageError(message, this.command);
  }

  need(name: keyof Values): string {
    const v = this.values[name];
    if (typeof v !== 'string' || v === '')
      throw this.usage(t('opt.required', { option: String(name) }));
    return v;
  }

  count(name: keyof Values, text: string, min: number): number {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
      throw this.usage(
        min > 0
          ? t('opt.wholeNumberFrom', { option: String(name), min, value: text })
          : t('opt.wholeNumber', { option: String(name), value: text }),
      );
    return n;
  }

  algorithm(): 'sha256' | 'sm3' {
    const a = this.values.algorithm ?? 'sha256';
    if (a !== 'sha256' && a !== 'sm3') throw this.usage(t('opt.algorithm', { value: a }));
    return a;
  }

  digest(): string | undefined {
    const d = this.values.digest;
    if (d === undefined) return undefined;
    if (!/^[0-9a-fA-F]{64}$/.test(d))
      throw this.usage(t('opt.digest', { value: d, length: d.length }));
    return d.toLowerCase();
  }

  time(name: 'from' | 'to'): string | undefined {
    const time = this.values[name];
    if (time === undefined || TIME.test(time)) return time;
    throw this.usage(t('opt.time', { option: name, value: time }));
  }

  department(name: 'department' | 'provider'): string | undefined {
    const d = this.values[name];
    if (d === undefined || MSP_ID.test(d)) return d;
    throw this.usage(t('opt.department', { option: name, value: d }));
  }
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

async function anchor(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  const file = positionals[0];
  if (!file) throw args.usage(t('anchor.whichFile'));
  if (positionals.length > 1) throw args.usage(t('anchor.oneFile'));
  const catalog = args.need('catalog');
  const algorithm = args.algorithm();
  const size = await inputFileSize(file, 'file', 'anchor');
  const mediaType = values['media-type'] ?? MEDIA_TYPES[extname(file).toLowerCase()] ?? null;
  const path = `/api/v1/catalog/${encodeURIComponent(catalog)}/versions${q({ reason: values.reason, algorithm })}`;
  const bar = out.progress(t('progress.anchor', { file: basename(file) }), size);
  const result = await client(values).upload<{
    data: { version: number; digest: { algorithm: string; value: string } };
    tx: { txId: string; blockNumber: number };
  }>(path, file, mediaType, bar);
  bar.done();
  out.result(
    result,
    t('anchor.done', {
      file,
      size: formatBytes(size),
      catalog,
      version: result.data.version,
      algorithm: result.data.digest.algorithm,
      digest: result.data.digest.value,
      txId: result.tx.txId,
      block: result.tx.blockNumber,
    }),
  );
  return EXIT.OK;
}

/** The bundle `verify` checks offline (--proof or --delivery), after the options' combinations. */
function bundleOption(args: Args): string | undefined {
  const { values } = args;
  if (values.proof !== undefined && values.delivery !== undefined)
    throw args.usage(t('verify.proofOrDelivery'));
  const bundlePath = values.proof ?? values.delivery;
  if (values.trust !== undefined && bundlePath === undefined)
    throw args.usage(t('verify.trustNeedsProof'));
  if (values.record !== undefined && bundlePath === undefined)
    throw args.usage(t('verify.recordNeedsProof'));
  if (values.record !== undefined && values.delivery !== undefined)
    throw args.usage(t('verify.deliveryNotRecord'));
  return bundlePath;
}

/** `verify --proof` or `--delivery`: the bundle checked here against the trust file, offline. */
async function verifyOfflineCommand(
  args: Args,
  out: Output,
  held: HeldInput,
  option: 'proof' | 'delivery',
): Promise<number> {
  const [bundle, trust] = await Promise.all([
    readJsonInput(args.need(option), option, 'verify'),
    readJsonInput(args.need('trust'), 'trust', 'verify'),
  ]);
  const { verifyOffline } = await offlineModule();
  const result = await verifyOffline(
    bundle,
    trust,
    held,
    (total) => out.progress(t('progress.hash'), total),
    option,
  );
  if (!result.ok) {
    out.result(
      { ...result, offline: true },
      [
        t('verify.notVerified', { subject: result.subject }),
        ...result.failures.map((f) =>
          t('verify.failure', { check: f.check, text: checkText(f.check, f.message) }),
        ),
      ].join('\n'),
    );
    return EXIT.FAILED;
  }
  const { delivery, withheld } = result;
  out.result(
    { ...result, offline: true },
    [
      t('verify.verified', { subject: result.subject }),
      ...(delivery
        ? [
            deliveredLines(delivery),
            t('verify.recordedIn', { txId: result.txId, block: result.blockNumber }),
          ]
        : [
            t('verify.anchoredBy', {
              department: result.department,
              txId: result.txId,
              block: result.blockNumber,
              time: cstTime(result.timestamp),
            }),
          ]),
      ...(withheld.length ? [t('verify.withheld', { fields: list(withheld) })] : []),
    ].join('\n'),
  );
  return EXIT.OK;
}

async function verify(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  const file = positionals[0];
  if (positionals.length > 1) throw args.usage(t('verify.oneFile'));
  const given = [
    file !== undefined,
    values.digest !== undefined,
    values.record !== undefined,
  ].filter(Boolean).length;
  if (given !== 1) throw args.usage(t(given === 0 ? 'verify.what' : 'verify.onlyOne'));
  let algorithm = args.algorithm();
  const digest = args.digest();
  const bundlePath = bundleOption(args);
  if (file !== undefined) await inputFileSize(file, 'file', 'verify');
  if (bundlePath !== undefined) {
    const held: HeldInput =
      file !== undefined
        ? { kind: 'file', path: file }
        : digest !== undefined
          ? { kind: 'digest', digest: { algorithm, value: digest } }
          : {
              kind: 'record',
              record: (await readJsonInput(values.record!, 'record', 'verify')) as Json,
            };
    return verifyOfflineCommand(
      args,
      out,
      held,
      values.delivery === undefined ? 'proof' : 'delivery',
    );
  }
  // Online: hash locally, ask the gateway which versions anchor that digest.
  let value = digest;
  if (file !== undefined) {
    const size = await inputFileSize(file, 'file', 'verify');
    const { hashFile } = await offlineModule();
    const h = await hashFile(file, algorithm, out.progress(t('progress.hash'), size));
    ({ algorithm, value } = h);
  }
  const answer = await client(values).json<{
    matches: {
      catalogId: string;
      version: number;
      owner: string;
      txId: string;
      blockNumber: number;
    }[];
  }>('GET', `/api/v1/verify${q({ algorithm, digest: value })}`);
  const ok = answer.matches.length > 0;
  out.result(
    { ok, algorithm, digest: value, ...answer },
    ok
      ? [
          t('verify.anchored', { algorithm, digest: value ?? '' }),
          ...answer.matches.map((m) =>
            t('verify.match', {
              catalog: m.catalogId,
              version: m.version,
              owner: m.owner,
              txId: m.txId,
              block: m.blockNumber,
            }),
          ),
        ].join('\n')
      : t('verify.notAnchored', { algorithm, digest: value ?? '' }),
  );
  return ok ? EXIT.OK : EXIT.FAILED;
}

/** What a verified receipt says: whose use, of what, under which grant and purpose, when. */
function deliveredLines(use: DeliveredUse): string {
  const what =
    use.datasetVersion === null
      ? use.catalogId
      : t('delivery.version', { catalog: use.catalogId, version: use.datasetVersion });
  return [
    t('delivery.to', {
      user: use.consumer.user,
      department: use.consumer.department,
      provider: use.provider,
      time: cstTime(use.at),
      action: ledgerWord('action', use.action),
      what,
    }),
    t('delivery.grant', {
      grant: use.grantId ?? t('delivery.noGrant'),
      purpose: use.purpose ?? t('delivery.noPurpose'),
    }),
    t('delivery.fields', {
      fields: list(use.fields),
      bytes: use.bytes,
      algorithm: use.deliveredDigest.algorithm,
      digest: use.deliveredDigest.value,
      id: use.id,
    }),
  ].join('\n');
}

/** `shulian proof --usage <id>`: an allowed use's delivery receipt. */
async function receipt(args: Args, out: Output, id: string): Promise<number> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id))
    throw args.usage(t('proof.usageId', { value: id }));
  const bundle = await client(args.values).json<unknown>(
    'GET',
    `/api/v1/audit/usage/${encodeURIComponent(id)}/receipt`,
  );
  const target = args.values.out ?? `${id}.receipt.json`;
  await writeFile(target, JSON.stringify(bundle, null, 2) + '\n');
  out.result({ written: target }, t('proof.receiptWritten', { path: target }));
  return EXIT.OK;
}

async function proof(args: Args, out: Output): Promise<number> {
  const { values } = args;
  if (values.usage !== undefined) {
    if (values.catalog !== undefined || values.version !== undefined || values.record !== undefined)
      throw args.usage(t('proof.usageAlone'));
    return receipt(args, out, values.usage);
  }
  const catalog = args.need('catalog');
  const version = args.count('version', args.need('version'), 1);
  const record = values.record === undefined ? undefined : args.count('record', values.record, 0);
  const base = `/api/v1/catalog/${encodeURIComponent(catalog)}/versions/${version}`;
  const path = record === undefined ? `${base}/proof` : `${base}/records/${record}/proof`;
  const target =
    values.out ?? `${catalog}-v${version}${record === undefined ? '' : `-r${record}`}.proof.json`;
  // A record proof is a use: its usage record holds the digest of the bytes served, so they are
  // kept exactly as received and verify against the use's delivery receipt.
  const text =
    record === undefined
      ? JSON.stringify(await client(values).json<unknown>('GET', path), null, 2) + '\n'
      : await client(values).text(path);
  await writeFile(target, text);
  out.result({ written: target }, t('proof.written', { path: target }));
  return EXIT.OK;
}

async function trace(args: Args, out: Output): Promise<number> {
  const { values } = args;
  const outcome = values.outcome?.toUpperCase();
  if (outcome !== undefined && outcome !== 'ALLOWED' && outcome !== 'DENIED')
    throw args.usage(t('trace.outcome', { value: values.outcome ?? '' }));
  const from = args.time('from');
  const to = args.time('to');
  if (from !== undefined && to !== undefined && from.length === to.length && from > to)
    throw args.usage(t('trace.fromAfterTo', { from, to }));
  const params = {
    catalogId: values.catalog,
    department: args.department('department'),
    provider: args.department('provider'),
    user: values.user,
    from,
    to,
    outcome,
    limit: values.limit === undefined ? 100 : args.count('limit', values.limit, 1),
  };
  const page = await client(values).json<{
    items: {
      id: string;
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
      `${cstTime(u.at)}  ${padDisplay(ledgerWord('outcome', u.outcome), 7)} ${padDisplay(ledgerWord('action', u.action), 8)} ${u.catalogId}${u.datasetVersion === null ? '' : ` v${u.datasetVersion}`}  ` +
      `${u.consumer.department}/${u.consumer.user}  [${u.fields.join(',')}]${u.denialCode ? `  ${u.denialCode}` : ''}  ${u.id}`,
  );
  out.result(page, lines.length ? lines.join('\n') : t('trace.none'));
  return EXIT.OK;
}

async function trust(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  if (positionals[0] === undefined) throw args.usage(t('trust.which'));
  if (positionals[0] !== 'export' || positionals.length > 1)
    throw args.usage(
      t('usage.unknownAction', { action: positionals.join(' '), expected: 'export' }),
    );
  const target = values.out ?? 'trust.json';
  let exported: unknown;
  if (values.url !== undefined || process.env.SHULIAN_URL !== undefined) {
    exported = await client(values).json<unknown>('GET', '/api/v1/ledger/trust');
  } else {
    const { openRuntime } = await runtimeModule();
    const runtime = await openRuntime(config(values), { follow: false });
    try {
      exported = runtime.exportTrust();
    } finally {
      await runtime.close();
    }
  }
  await writeFile(target, JSON.stringify(exported, null, 2) + '\n');
  out.result({ written: target }, t('trust.written', { path: target }));
  return EXIT.OK;
}

async function tokens(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  const action = positionals[0];
  if (action === undefined) throw args.usage(t('usage.whichOf3'));
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw args.usage(t('usage.unknownOf3', { action }));
  const settings = config(values);
  const store = createTokenStore(join(gatewayDir(settings), 'tokens.json'));
  if (action === 'list') {
    const all = await store.list();
    out.result(
      { items: all },
      all.map((p) => `${p.tokenId}  ${p.department}/${p.user}  ${p.roles.join(',')}`).join('\n') ||
        t('tokens.none'),
    );
    return EXIT.OK;
  }
  if (action === 'revoke') return revokeTokens(args, store, positionals[1], out);
  const roles = values.role ?? [];
  if (roles.length === 0) throw args.usage(t('opt.roleRequired', { roles: list(ROLES) }));
  const bad = roles.find((r) => !isRole(r));
  if (bad !== undefined)
    throw args.usage(t('tokens.unknownRole', { role: bad, roles: list(ROLES) }));
  const department = args.need('department');
  const user = args.need('user');
  if (!MSP_ID.test(department))
    throw args.usage(t('opt.department', { option: 'department', value: department }));
  if (!/^[^/\s]{1,128}$/.test(user)) throw args.usage(t('tokens.userName'));
  const { loadNetworkConfig } = await import('../../network/embedded/config.js');
  const members = (await loadNetworkConfig(settings.networkFile)).departments.map((d) => d.id);
  if (!members.includes(department))
    throw new UsageError(
      t('tokens.noDepartment', { department, departments: list(members) }),
      args.command,
      'UNKNOWN_DEPARTMENT',
    );
  if (settings.department !== undefined && department !== settings.department)
    throw args.usage(t('tokens.otherGateway', { department: settings.department }));
  const issued = await store.create({
    department,
    user,
    roles: roles as Role[],
    ...(values.label ? { label: values.label } : {}),
  });
  // Roles are the ledger's: a token naming roles the ledger does not grant does not confer them.
  const unset = roles.filter((r) => r !== 'admin');
  out.result(
    { token: issued.token, ...issued.principal },
    t('tokens.created', { department, user, roles: list(roles), token: issued.token }) +
      (unset.length ? `\n${t('tokens.rolesNote', { user, roles: list(unset) })}` : ''),
  );
  return EXIT.OK;
}

async function revokeTokens(
  args: Args,
  store: TokenStore,
  tokenId: string | undefined,
  out: Output,
): Promise<number> {
  const { user, department } = args.values;
  let match: Parameters<TokenStore['revoke']>[0];
  if (tokenId !== undefined && user === undefined) match = { tokenId };
  else if (user !== undefined && tokenId === undefined)
    match = { user, ...(department ? { department } : {}) };
  else throw args.usage(t(tokenId === undefined ? 'tokens.whichToken' : 'tokens.idOrUser'));
  const removed = await store.revoke(match);
  out.result(
    { revoked: removed },
    removed.length
      ? removed
          .map((p) =>
            t('tokens.revoked', { tokenId: p.tokenId, department: p.department, user: p.user }),
          )
          .join('\n')
      : t('tokens.noMatch'),
  );
  return removed.length ? EXIT.OK : EXIT.FAILED;
}

interface ListedUser {
  user: string;
  roles: string[];
  tokens: { tokenId: string; roles: string[] }[];
  lacks: string[];
}

/**
 * A department's users through the gateway, as its admin (--token): `create` sets the roles on
 * the ledger and issues the token in one action (POST /departments/:id/users), so the new user
 * can work at once instead of meeting FORBIDDEN_ROLE; `list` says what each user's tokens claim
 * that the ledger does not grant; `revoke` withdraws every token of a user.
 */
async function users(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  const [action, ...extra] = positionals;
  if (action === undefined) throw args.usage(t('usage.whichOf3'));
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw args.usage(t('usage.unknownOf3', { action }));
  if (extra.length)
    throw args.usage(
      t('usage.optionsOnly', { command: `users ${action}`, extra: extra.join(' ') }),
    );
  const department = args.department('department') ?? args.need('department');
  const base = `/api/v1/departments/${encodeURIComponent(department)}/users`;
  const gateway = client(values);
  if (action === 'list') {
    const { items } = await gateway.json<{ items: ListedUser[] }>('GET', base);
    out.result(
      { items },
      items
        .map(
          (u) =>
            t('users.line', {
              user: u.user.padEnd(16),
              roles: u.roles.join(',') || t('users.noRole'),
              count: u.tokens.length,
            }) + (u.lacks.length ? t('users.lacks', { roles: u.lacks.join(',') }) : ''),
        )
        .join('\n') || t('users.none', { department }),
    );
    return EXIT.OK;
  }
  const user = args.need('user');
  if (action === 'revoke') {
    const { revoked } = await gateway.json<{ revoked: string[] }>(
      'DELETE',
      `${base}/${encodeURIComponent(user)}/tokens`,
    );
    out.result(
      { revoked },
      revoked.length
        ? t('users.revoked', { count: revoked.length, department, user, ids: list(revoked) })
        : t('users.noToken', { department, user }),
    );
    return revoked.length ? EXIT.OK : EXIT.FAILED;
  }
  const roles = values.role ?? [];
  if (roles.length === 0) throw args.usage(t('opt.roleRequired', { roles: list(USER_ROLES) }));
  const bad = roles.find((r) => !(USER_ROLES as readonly string[]).includes(r));
  if (bad !== undefined)
    throw args.usage(t('users.unknownRole', { role: bad, roles: list(USER_ROLES) }));
  const created = await gateway.json<{
    token: string;
    tokenId: string;
    roles: string[];
    tx: { txId: string; blockNumber: number };
  }>('POST', base, {
    user,
    roles: [...new Set(roles)],
    ...(values.label ? { label: values.label } : {}),
  });
  out.result(
    { department, user, ...created },
    t('users.created', {
      department,
      user,
      roles: list(created.roles),
      txId: created.tx.txId,
      block: created.tx.blockNumber,
      token: created.token,
    }),
  );
  return EXIT.OK;
}

async function indexRebuild(args: Args, positionals: string[], out: Output): Promise<number> {
  if (positionals[0] !== 'rebuild' || positionals.length > 1)
    throw args.usage(
      positionals[0] === undefined
        ? t('index.which')
        : t('usage.unknownAction', { action: positionals.join(' '), expected: 'rebuild' }),
    );
  const { openRuntime } = await runtimeModule();
  const runtime = await openRuntime(config(args.values), { follow: false });
  try {
    const bar = out.progress(t('progress.rebuild'), undefined);
    let last = 0;
    const checkpoint = await runtime.index.rebuild(runtime.ledger, (n) => {
      bar.advance(n + 1 - last);
      last = n + 1;
    });
    bar.done();
    out.result({ checkpoint }, t('index.done', { block: checkpoint?.blockNumber ?? -1 }));
  } finally {
    await runtime.close();
  }
  return EXIT.OK;
}

interface RepairedNode {
  id: string;
  running: boolean;
  height: number;
  halted?: string;
}

async function nodeRepair(args: Args, positionals: string[], out: Output): Promise<number> {
  const { values } = args;
  const [action, department, ...extra] = positionals;
  if (action !== 'repair' || department === undefined || extra.length > 0)
    throw args.usage(
      action === undefined || action === 'repair'
        ? t('node.which')
        : t('usage.unknownAction', { action: positionals.join(' '), expected: 'repair' }),
    );
  let node: RepairedNode | undefined;
  if (values.url !== undefined || process.env.SHULIAN_URL !== undefined) {
    node = await client(values).json<RepairedNode>(
      'POST',
      `/api/v1/ledger/nodes/${encodeURIComponent(department)}/repair`,
    );
  } else {
    const { openRuntime } = await runtimeModule();
    const runtime = await openRuntime(config(values), { follow: false });
    try {
      if (!runtime.ledger.repairNode)
        throw new UsageError(
          t('node.ownOperators', { engine: (await runtime.ledger.status()).engine }),
        );
      await runtime.ledger.repairNode(department);
      node = (await runtime.ledger.status()).nodes.find((n) => n.id === department);
    } finally {
      await runtime.close();
    }
  }
  if (!node || node.halted !== undefined) {
    out.result(
      { node },
      t('node.notBack', { department, reason: node?.halted ?? t('node.notInNetwork') }),
    );
    return EXIT.FAILED;
  }
  out.result({ node }, t('node.rebuilt', { department, height: node.height }));
  return EXIT.OK;
}

/**
 * The server in the foreground, as `npm run serve` starts it; `--department <id>` makes it that
 * department's own gateway on Fabric (config.ts, department mode). Returns when it has stopped.
 */
async function serve(args: Args, positionals: string[]): Promise<number> {
  if (positionals.length)
    throw args.usage(t('usage.optionsOnly', { command: 'serve', extra: positionals.join(' ') }));
  const { values } = args;
  const { startServer } = await import('./server.js');
  const server = await startServer(
    loadConfig(process.env, {
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(values.department ? { department: values.department } : {}),
      // The banner speaks the command line's language (--lang, else the locale).
      lang: getLang(),
    }),
  );
  await new Promise<void>((resolve) => server.app.server.once('close', () => resolve()));
  return EXIT.OK;
}

async function init(args: Args, positionals: string[], out: Output): Promise<number> {
  if (positionals.length)
    throw args.usage(t('usage.noArguments', { command: 'init', extra: positionals.join(' ') }));
  const { openRuntime } = await runtimeModule();
  const { bootstrapNetwork } = await import('./services/bootstrap.js');
  const runtime = await openRuntime(config(args.values), { follow: false });
  try {
    const done = await bootstrapNetwork(runtime, (step) => {
      if (!out.json) process.stderr.write(`${t(`init.${step}`)}\n`);
    });
    const held = await runtime.tokens.list();
    const admins: { department: string; user: string; token: string }[] = [];
    const { coordinator, departments } = runtime.network;
    // The coordinator's admin first: it registers departments and publishes calendars.
    for (const d of [...departments].sort((a, b) =>
      a.id === coordinator ? -1 : b.id === coordinator ? 1 : 0,
    )) {
      if (held.some((p) => p.department === d.id && p.roles.includes('admin'))) continue;
      const issued = await runtime.tokens.create({
        department: d.id,
        user: 'admin',
        roles: ['admin'],
        label: `${d.names.zh} 管理员 / ${d.names.en} admin`,
      });
      admins.push({ department: d.id, user: 'admin', token: issued.token });
    }
    out.result(
      { ...done, admins },
      [
        t('init.network', {
          name: runtime.network.name,
          calendars: done.calendars.length
            ? t('init.calendarsPublished', { years: list(done.calendars) })
            : t('init.calendarsAlready'),
          departments: done.departments.length
            ? t('init.departmentsRegistered', { ids: list(done.departments) })
            : t('init.departmentsAlready'),
        }),
        ...(admins.length
          ? [
              t('init.adminTokens'),
              ...admins.map((a) => `  ${`${a.department}/admin`.padEnd(16)} ${a.token}`),
            ]
          : [t('init.allHaveAdmins')]),
        t('init.next'),
      ].join('\n'),
    );
  } finally {
    await runtime.close();
  }
  return EXIT.OK;
}

/** Gateway parameter names as the command line spells them. */
const OPTION_OF: Readonly<Record<string, string>> = {
  id: 'catalog',
  catalogId: 'catalog',
  index: 'record',
};

/**
 * The gateway refused the request's parameters (VALIDATION_FAILED): a usage error about the
 * option that carried the value, in the gateway's explanation, exit status 2.
 */
function asUsage(err: CliError, command: string): UsageError | undefined {
  if (err.code !== 'VALIDATION_FAILED' && err.code !== 'BAD_REQUEST') return undefined;
  const issue = err.details[0];
  const param = issue ? /^(?:querystring|params)\/([A-Za-z]+)/.exec(issue.path)?.[1] : undefined;
  if (!issue || param === undefined)
    return new UsageError(codeText(err.code, err.message), command, err.code);
  const option = OPTION_OF[param] ?? param;
  return new UsageError(
    t('error.badOption', { option, message: issue.message }),
    command,
    err.code,
  );
}

/** The version in the package.json above this file (source and dist layouts alike). */
async function ownVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'shulian' && pkg.version) return pkg.version;
    } catch {
      // no package.json here; look further up
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

function run(command: string, args: Args, rest: string[], out: Output): Promise<number> {
  switch (command) {
    case 'anchor':
      return anchor(args, rest, out);
    case 'verify':
      return verify(args, rest, out);
    case 'proof':
      if (rest.length)
        throw args.usage(t('usage.optionsOnly', { command: 'proof', extra: rest.join(' ') }));
      return proof(args, out);
    case 'trace':
      if (rest.length)
        throw args.usage(t('usage.optionsOnly', { command: 'trace', extra: rest.join(' ') }));
      return trace(args, out);
    case 'trust':
      return trust(args, rest, out);
    case 'tokens':
      return tokens(args, rest, out);
    case 'users':
      return users(args, rest, out);
    case 'init':
      return init(args, rest, out);
    case 'serve':
      return serve(args, rest);
    case 'node':
      return nodeRepair(args, rest, out);
    default:
      return indexRebuild(args, rest, out);
  }
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out: Output = {
    json,
    progress(label, total) {
      return this.json ? NO_PROGRESS : progressBar(label, total);
    },
    result(value, human) {
      process.stdout.write(this.json ? JSON.stringify(value, null, 2) + '\n' : human + '\n');
    },
  };
  // `--version` alone (or with --json, --lang) is this program's version; with a command it is
  // `proof --version <n>`.
  const versionFlags = argv.filter(
    (a, i) => !a.startsWith('--lang=') && a !== '--lang' && argv[i - 1] !== '--lang',
  );
  if (
    versionFlags.length > 0 &&
    versionFlags.every((a) => a === '--version' || a === '-V' || a === '--json')
  ) {
    const version = await ownVersion();
    out.result({ name: 'shulian', version }, `shulian ${version}`);
    return EXIT.OK;
  }
  // The command is known before strict parsing, so even a bad option gets that command's usage.
  const loose = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false });
  // --json is for machines: its answers, errors included, are the same in every language.
  const asked = loose.values.lang;
  setLang(json ? 'en' : isLang(asked) ? asked : langFromEnv(process.env));
  let [command, ...rest] = loose.positionals;
  if (command === 'help') [command, ...rest] = rest;
  const spec = command === undefined ? undefined : commandSpec(command);
  const fail = (err: unknown): number => {
    const usage = err instanceof UsageError;
    const code = err instanceof CliError ? err.code : ((err as { code?: string }).code ?? 'ERROR');
    const message = err instanceof Error ? err.message : String(err);
    if (out.json)
      process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }, null, 2) + '\n');
    else if (usage) process.stderr.write(usageMessage(err));
    else
      process.stderr.write(
        t('error.line', {
          program: spec ? `shulian ${spec.name}` : 'shulian',
          message: codeText(code, message),
          code,
        }) + '\n',
      );
    return usage ? EXIT.USAGE : EXIT.FAILED;
  };
  if (command !== undefined && !spec)
    return fail(new UsageError(t('usage.unknownCommand', { command })));
  if (loose.values.help || loose.positionals[0] === 'help') {
    process.stdout.write(spec ? commandHelp(spec) : globalHelp());
    return EXIT.OK;
  }
  if (!spec) {
    process.stderr.write(globalHelp());
    return EXIT.USAGE;
  }
  let values: Values;
  try {
    values = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }).values;
  } catch (err) {
    return fail(new UsageError(parseArgsMessage(err), spec.name));
  }
  const foreign = Object.keys(values).find(
    (o) => !GLOBAL_OPTIONS.includes(o) && !spec.options.includes(o),
  );
  if (foreign !== undefined)
    return fail(
      new UsageError(t('usage.notTaken', { command: spec.name, option: foreign }), spec.name),
    );
  if (values.lang !== undefined && !isLang(values.lang))
    return fail(new UsageError(t('usage.lang', { value: values.lang }), spec.name));
  const args = new Args(spec.name, values);
  try {
    return await run(spec.name, args, rest, out);
  } catch (err) {
    return fail((err instanceof CliError && asUsage(err, spec.name)) || err);
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
