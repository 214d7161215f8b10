/**
 * Builds the web console into dist/web: one minified ES module and one stylesheet with content
 * hashes in their names (so the gateway can cache them forever), and index.html pointing at
 * them. Prints the gzipped size of what a first visit loads and fails when the JavaScript
 * exceeds the budget of issue 6, so the console cannot grow heavy unnoticed.
 *
 * Run by `npm run build` after tsc has compiled this file to dist/scripts/build-web.js.
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The JavaScript a first visit loads, gzipped, must stay under this. */
const JS_BUDGET_BYTES = 300 * 1024;

/** The browsers a government office is expected to run (Chromium-based, Firefox, Safari). */
const TARGET = ['chrome109', 'firefox115', 'safari16'];

const root = fileURLToPath(new URL('../..', import.meta.url));
const source = join(root, 'gateway/src/web');
const outdir = join(root, 'dist/web');

async function main(): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  // The hashing worker first, one self-contained module, so the app can be told its hashed name.
  const worker = await build({
    entryPoints: { 'hash-worker': join(source, 'hash-worker.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir,
    metafile: true,
    logLevel: 'warning',
  });
  const workerFile = Object.keys(worker.metafile.outputs).find((f) => f.endsWith('.js'));
  if (!workerFile) throw new Error('esbuild produced no hash worker');
  const result = await build({
    entryPoints: { app: join(source, 'main.ts'), styles: join(source, 'styles.css') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    define: { HASH_WORKER_URL: JSON.stringify(`/${basename(workerFile)}`) },
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    // Code only some pages need (proof bundle verification) is split into chunks loaded on use.
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    outdir,
    metafile: true,
    logLevel: 'warning',
  });

  const outputs = result.metafile.outputs;
  const entry = (name: string, extension: string): string => {
    const found = Object.entries(outputs).find(
      ([file, output]) => file.endsWith(extension) && output.entryPoint?.endsWith(name),
    );
    if (!found) throw new Error(`esbuild produced no ${extension} for ${name}`);
    return found[0];
  };
  const script = entry('main.ts', '.js');
  const stylesheet = entry('styles.css', '.css');

  // What a first visit downloads: the entry script and the chunks it imports statically.
  const firstLoad = new Set<string>();
  const visit = (file: string): void => {
    if (firstLoad.has(file)) return;
    firstLoad.add(file);
    for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(script);

  const template = await readFile(join(source, 'index.html'), 'utf8');
  // Preloading the statically imported chunks saves a round trip per level of imports.
  const preload = [...firstLoad]
    .filter((file) => file !== script)
    .map((file) => `<link rel="modulepreload" href="/${basename(file)}" />`)
    .join('\n    ');
  const html = template
    .replace('%PRELOAD%', preload)
    .replace('%SCRIPT%', `/${basename(script)}`)
    .replace('%STYLESHEET%', `/${basename(stylesheet)}`);
  await writeFile(join(outdir, 'index.html'), html);

  const gzipped = async (file: string): Promise<{ raw: number; gzip: number }> => {
    const bytes = await readFile(join(root, file));
    return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  let firstLoadGzip = 0;
  const files = [
    ...Object.keys({ ...outputs, ...worker.metafile.outputs }).filter((f) => !f.endsWith('.map')),
    'dist/web/index.html',
  ];
  for (const file of files.sort()) {
    const size = await gzipped(file);
    const initial = firstLoad.has(file);
    if (initial) firstLoadGzip += size.gzip;
    const label = `${basename(file)}${initial ? '' : file.endsWith('.js') ? ' (on demand)' : ''}`;
    console.log(
      `web: ${label.padEnd(36)} ${kib(size.raw).padStart(10)} raw ${kib(size.gzip).padStart(10)} gzip`,
    );
  }
  console.log(
    `web: first-load JavaScript ${kib(firstLoadGzip)} gzipped (budget ${kib(JS_BUDGET_BYTES)})`,
  );
  if (firstLoadGzip > JS_BUDGET_BYTES) {
    throw new Error(
      `console JavaScript is ${kib(firstLoadGzip)} gzipped, over the ${kib(JS_BUDGET_BYTES)} budget`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
