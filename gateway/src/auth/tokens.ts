/**
 * Bearer tokens: 256 random bits shown once, stored only as their sha256. A file rather than a
 * level database because the CLI issues tokens while the server runs, and level allows one
 * process per database; the server re-reads the file when it sees an unknown token and the
 * file has changed, so a new token works at once without a restart.
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
}

const TOKEN_PREFIX = 'sl_';
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function createTokenStore(file: string): TokenStore {
  let byHash = new Map<string, TokenRecord>();
  let loadedMtime = -1;

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

  async function refresh(): Promise<void> {
    let mtime: number;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (mtime === loadedMtime) return;
    const content = await load();
    byHash = new Map(content.tokens.map((t) => [t.hash, t]));
    loadedMtime = mtime;
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
      await mkdir(dirname(file), { recursive: true });
      // Write-then-rename: a reader never sees a half-written file.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
      await rename(tmp, file);
      byHash.set(hash, record);
      return { token, principal: toPrincipal(record) };
    },

    async resolve(token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return undefined;
      const hash = hashToken(token);
      let record = byHash.get(hash);
      if (!record) {
        await refresh();
        record = byHash.get(hash);
      }
      return record ? toPrincipal(record) : undefined;
    },

    async list() {
      await refresh();
      return [...byHash.values()].map(toPrincipal);
    },
  };
}
