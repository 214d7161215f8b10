/**
 * Demo mode, explicit: only `npm start` (`--demo`) or `SHULIAN_DEMO=1` seeds the demo data, prints
 * demo tokens and serves the demo identities (to loopback clients only). Demo tokens are
 * coordinator-admin strength, so they are never written down in plain text:
 * `data/gateway/demo.json` keeps who the demo users are and their tokens' public ids, and each
 * demo start revokes the previous tokens and issues fresh ones, held in memory and printed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { TX } from '@shulian/chaincode/constants';
import { isRole, type TokenStore } from '../auth/tokens.js';
import { translate } from '../cli/i18n.js';
import { ConfigError, gatewayDir, type GatewayConfig } from '../config.js';
import type { DemoIdentity, Runtime } from '../services/runtime.js';
import { seedDemo } from './seed.js';

/** What demo.json keeps: no token, only its public id (to revoke it on the next start). */
type DemoUser = Omit<DemoIdentity, 'token'> & { tokenId: string | null };

interface DemoFile {
  version: 2;
  seededAt: string;
  users: DemoUser[];
}

/** Written by earlier versions: the tokens themselves. */
interface PlaintextDemoFile {
  seededAt?: string;
  identities: DemoIdentity[];
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Demo tokens on a reachable address give anyone the coordinator's admin: only when confirmed. */
export function checkDemoBinding(config: GatewayConfig): void {
  if (config.demo && !isLoopback(config.host) && !config.demoPublic) {
    throw new ConfigError(
      `demo mode hands out admin tokens; it binds to loopback only, not ${config.host}. ` +
        'Start without --demo / SHULIAN_DEMO, or confirm with SHULIAN_DEMO_PUBLIC=1',
    );
  }
}

/**
 * Seeds a fresh ledger once, or re-issues the demo users' tokens on a later demo start. Answers
 * the identities with their new tokens, or undefined when the data directory holds someone's
 * data that is not the demo's.
 */
export async function startDemo(
  config: GatewayConfig,
  runtime: Runtime,
  log: (line: string) => void,
): Promise<DemoIdentity[] | undefined> {
  const marker = join(gatewayDir(config), 'demo.json');
  let users: DemoUser[];
  let seededAt: string;
  let text: string | null = null;
  try {
    text = await readFile(marker, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) {
    const parsed = JSON.parse(text) as DemoFile | PlaintextDemoFile;
    seededAt = parsed.seededAt ?? new Date().toISOString();
    users =
      'version' in parsed && parsed.version === 2
        ? parsed.users
        : await withTokenIds(runtime.tokens, (parsed as PlaintextDemoFile).identities);
  } else {
    // Seed only a ledger that holds nothing but its initialisation: never mix demo data into a
    // network that someone already uses. On Fabric the first blocks are the channel's
    // configuration and the chaincode's lifecycle, so the height says nothing; the registered
    // departments do.
    const { height, engine } = await runtime.ledger.status();
    const departments = await runtime.chaincode.evaluate<{ count: number }>(
      runtime.coordinatorAdmin,
      TX.governance.ListDepartments,
      ['2', ''],
    );
    if (
      (engine === 'embedded' && height > 1) ||
      departments.count > 1 ||
      (await runtime.index.searchCatalog({}, { limit: 1 })).items.length > 0
    )
      return undefined;
    log(translate(config.lang, 'demo.seeding'));
    const seeded = await seedDemo(runtime, (step) =>
      log(`  ${translate(config.lang, `demo.${step}`)}`),
    );
    seededAt = new Date().toISOString();
    users = await withTokenIds(runtime.tokens, seeded);
  }
  const identities: DemoIdentity[] = [];
  const kept: DemoUser[] = [];
  for (const user of users) {
    if (user.tokenId) await runtime.tokens.revoke({ tokenId: user.tokenId });
    const issued = await runtime.tokens.create({
      department: user.department,
      user: user.user,
      roles: user.roles.filter(isRole),
      label: 'demo',
    });
    const identity = { department: user.department, user: user.user, roles: user.roles };
    const labelled = user.label === undefined ? identity : { ...identity, label: user.label };
    identities.push({ ...labelled, token: issued.token });
    kept.push({ ...labelled, tokenId: issued.principal.tokenId });
  }
  const file: DemoFile = { version: 2, seededAt, users: kept };
  await writeFile(marker, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  return identities;
}

async function withTokenIds(tokens: TokenStore, identities: DemoIdentity[]): Promise<DemoUser[]> {
  return Promise.all(
    identities.map(async ({ token, ...identity }) => ({
      ...identity,
      tokenId: (await tokens.resolve(token))?.tokenId ?? null,
    })),
  );
}
