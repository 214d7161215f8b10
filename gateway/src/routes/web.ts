/**
 * Serves the web console built by `npm run build` (scripts/build-web.ts) from dist/web: index.html
 * at `/`, content-hashed assets under their own names. The files are few and small, so they are
 * read once at start-up, kept in memory with a gzipped copy, and each gets its own route; there is
 * no wildcard that could shadow an API path or read outside the directory.
 *
 * The page says whether this gateway serves the demo sign-in (`<meta name="shulian-demo">`, on or
 * off): only in demo mode and only to a client on this machine, as /demo/identities answers. The
 * console asks for the demo identities only when it is on, so a gateway without the demo (a
 * department's own gateway, `npm run serve`) never gets a request for a route it does not have.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isLoopback } from '../demo/mode.js';

export interface WebOptions {
  /** Directory with the built console; by default the nearest `dist/web` above this module. */
  root?: string;
  /** Demo mode: the gateway serves /demo/identities (to loopback clients). */
  demo?: boolean;
}

/** Where the built page says whether the demo sign-in is served (scripts/build-web.ts keeps it). */
const DEMO_PLACEHOLDER = '%DEMO%';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The console needs nothing from other origins and no inline code, so the policy is strict:
 * injected markup cannot run script or send data anywhere but this gateway. 'wasm-unsafe-eval'
 * lets the verify page's hashing worker compile its WebAssembly hashes; it allows no eval of
 * JavaScript.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Built asset names carry a content hash (app-3FJ2KQ.js), so they can be cached forever. */
const HASHED = /-[A-Z0-9]{8}\.(js|css|map)$/;

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

/** dist/web in the nearest directory above this module that has one (source or compiled). */
function defaultRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return resolve('dist/web');
  }
}

async function loadAssets(root: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    assets.set(name, assetOf(name, type, await readFile(join(root, name))));
  }
  return assets;
}

function assetOf(name: string, type: string, body: Buffer): Asset {
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    immutable: HASHED.test(name),
  };
}

/** The page for a request: demo sign-in on for a loopback client of a demo gateway, else off. */
function pageFor(index: Asset, demo: boolean): (request: FastifyRequest) => Asset {
  const variant = (on: boolean): Asset =>
    assetOf(
      'index.html',
      index.type,
      Buffer.from(index.body.toString('utf8').replaceAll(DEMO_PLACEHOLDER, on ? 'on' : 'off')),
    );
  const off = variant(false);
  if (!demo) return () => off;
  const on = variant(true);
  return (request) => (isLoopback(request.socket.remoteAddress ?? '') ? on : off);
}

function send(asset: Asset, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (asset.type.startsWith('text/html')) reply.header('content-security-policy', CSP);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}

export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, options) => {
  const root = options.root ?? defaultRoot();
  const assets = await loadAssets(root);
  const index = assets.get('index.html');
  const schema = { hide: true };

  if (!index) {
    app.log.warn({ root }, 'web console not built: run `npm run build`');
    app.get('/', { schema }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The Shulian console is not built. Run `npm run build`, then restart the gateway.\n'),
    );
    return;
  }
  const page = pageFor(index, options.demo === true);
  app.get('/', { schema }, async (request, reply) => send(page(request), request, reply));
  for (const [name, asset] of assets) {
    const served = name === 'index.html' ? page : () => asset;
    app.get(`/${name}`, { schema }, async (request, reply) =>
      send(served(request), request, reply),
    );
  }
};
