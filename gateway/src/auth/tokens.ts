/**
 * Bearer tokens: 256 random bits shown once, stored only as their sha256. A file rather than a
 * level database because the CLI issues and revokes tokens while the server runs, and level
 * allows one process per database. Before each lookup the server stats the file and re-reads it
 * when it changed (every write replaces it through a rename, so a new inode), so a new token works
 * and a revoked one stops working at once, without a restart; the stat is the only cost when the
 * file did not change.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const ROLES = ['admin', 'publisher', 'consumer', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

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

  async function save(content: TokenFile): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    // Write-then-rename: a reader never sees a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
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
      const content = await load();
      content.tokens.push(record);
      await save(content);
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
      const content = await load();
      const hit = (r: TokenRecord): boolean =>
        'tokenId' in match
          ? r.tokenId === match.tokenId
          : r.user === match.user &&
            (match.department === undefined || r.department === match.department);
      const removed = content.tokens.filter(hit);
      if (removed.length === 0) return [];
      await save({ ...content, tokens: content.tokens.filter((r) => !hit(r)) });
      for (const r of removed) byHash.delete(r.hash);
      return removed.map(toPrincipal);
    },

    async list() {
      await refresh();
      return [...byHash.values()].map(toPrincipal);
    },
  };
}
