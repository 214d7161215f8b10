/**
 * Bearer tokens: 256 random bits shown once, stored only as their sha256. A file rather than a
 * level database because the CLI issues and revokes tokens while the server runs, and level
 * allows one process per database. Before each lookup the server stats the file and re-reads it
 * when it changed (every write replaces it through a rename, so a new inode), so a new token works
 * and a revoked one stops working at once, without a restart; the stat is the only cost when the
 * file did not change.
 *
 * Every change is a read-modify-write under a lock file (`tokens.json.lock`, created exclusively,
 * holding the writer's pid), so concurrent writers (the server, several CLI runs) never lose a
 * token or undo a revocation; the file is replaced durably (fsync of the file and its folder). A
 * lock left by a process that died is taken over once its pid is gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileDurably } from '../../../network/embedded/durable-file.js';

export const ROLES = ['admin', 'publisher', 'consumer', 'supervisor', 'verifier'] as const;
export type Role = (typeof ROLES)[number];
/** The roles a department's admin gives its users on the ledger; `admin` is the department's own. */
export const USER_ROLES = ROLES.filter((r): r is Exclude<Role, 'admin'> => r !== 'admin');

export interface Principal {
  department: string;
  user: string;
  roles: Role[];
  /** Public id of the token (not the secret), for logs and revocation. */
  tokenId: string;
}

interface TokenRecord extends Principal {
  hash: string;
  createdAt: string;
  label?: string;
}

interface TokenFile {
  version: 1;
  tokens: TokenRecord[];
}

export interface IssuedToken {
  token: string;
  principal: Principal;
}

export interface TokenStore {
  create(input: {
    department: string;
    user: string;
    roles: Role[];
    label?: string;
  }): Promise<IssuedToken>;
  /** The principal for a presented token, or undefined when it is unknown. */
  resolve(token: string): Promise<Principal | undefined>;
  list(): Promise<Principal[]>;
  /** Removes the token with this id, or every token of the user; answers what it removed. */
  revoke(match: { tokenId: string } | { user: string; department?: string }): Promise<Principal[]>;
}

const TOKEN_PREFIX = 'sl_';
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function createTokenStore(file: string): TokenStore {
  let byHash = new Map<string, TokenRecord>();
  /** Inode, mtime and size of the file last read; null before the first read. */
  let loaded: string | null = null;
  let reading: Promise<void> | null = null;

  async function load(): Promise<TokenFile> {
    try {
      const text = await readFile(file, 'utf8');
      const parsed = JSON.parse(text) as TokenFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.tokens))
        throw new Error(`${file}: not a token file`);
      return parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: [] };
      throw err;
    }
  }

  async function reload(): Promise<void> {
    let version: string;
    try {
      const s = await stat(file);
      version = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      version = 'absent';
    }
    if (version === loaded) return;
    const content = await load();
    byHash = new Map(content.tokens.map((t) => [t.hash, t]));
    loaded = version;
  }

  /** One reload at a time, shared by the requests that arrive while it runs. */
  function refresh(): Promise<void> {
    reading ??= reload().finally(() => {
      reading = null;
    });
    return reading;
  }

  const save = (content: TokenFile): Promise<void> =>
    writeFileDurably(file, JSON.stringify(content, null, 2) + '\n', 0o600);

  /** One change at a time in this process; the lock file orders it with other processes. */
  let queue: Promise<unknown> = Promise.resolve();
  function change<T>(update: (content: TokenFile) => { content: TokenFile | null; result: T }) {
    const run = queue.then(() =>
      withFileLock(`${file}.lock`, async () => {
        const { content, result } = update(await load());
        if (content) await save(content);
        return result;
      }),
    );
    queue = run.catch(() => undefined);
    return run;
  }

  const toPrincipal = (r: TokenRecord): Principal => ({
    department: r.department,
    user: r.user,
    roles: [...r.roles],
    tokenId: r.tokenId,
  });

  return {
    async create({ department, user, roles, label }) {
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const hash = hashToken(token);
      const record: TokenRecord = {
        department,
        user,
        roles: [...new Set(roles)],
        tokenId: hash.slice(0, 12),
        hash,
        createdAt: new Date().toISOString(),
        ...(label ? { label } : {}),
      };
      await change((content) => ({
        content: { ...content, tokens: [...content.tokens, record] },
        result: undefined,
      }));
      byHash.set(hash, record);
      return { token, principal: toPrincipal(record) };
    },

    async resolve(token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return undefined;
      await refresh();
      const record = byHash.get(hashToken(token));
      return record ? toPrincipal(record) : undefined;
    },

    async revoke(match) {
      const hit = (r: TokenRecord): boolean =>
        'tokenId' in match
          ? r.tokenId === match.tokenId
          : r.user === match.user &&
            (match.department === undefined || r.department === match.department);
      const removed = await change((content) => {
        const gone = content.tokens.filter(hit);
        return {
          content: gone.length
            ? { ...content, tokens: content.tokens.filter((r) => !hit(r)) }
            : null,
          result: gone,
        };
      });
      for (const r of removed) byHash.delete(r.hash);
      return removed.map(toPrincipal);
    },

    async list() {
      await refresh();
      return [...byHash.values()].map(toPrincipal);
    },
  };
}

/** How long a writer waits for another's lock before giving up. */
const LOCK_TIMEOUT_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `lockFile`, created exclusively (O_EXCL) with this process's pid. A lock whose
 * pid no longer exists was left by a crash and is removed; a live holder is waited for.
 */
async function withFileLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  // `shulian tokens create` may run before the server ever created the data directory.
  await mkdir(dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
    // An empty file is a holder between create and write, unless it has been empty for long.
    const since = await stat(lockFile).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    const dead = Number.isInteger(holder) && holder > 0 ? !alive(holder) : since > 5_000;
    if (dead) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${lockFile} is held by process ${holder || '?'}; remove it if that process is gone`,
      );
    await sleep(2 + Math.random() * 10);
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
