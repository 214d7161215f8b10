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

const root = fileURLToPath(new URL('../..', import.meta.url));
const source = join(root, 'gateway/src/web');
const outdir = join(root, 'dist/web');

async function main(): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(source, 'main.ts'), styles: join(source, 'styles.css') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // The browsers a government office is expected to run (Chromium-based, Firefox, Safari).
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir,
    metafile: true,
    logLevel: 'warning',
  });

  const outputs = Object.keys(result.metafile.outputs).map((file) => join(root, file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const stylesheet = outputs.find((file) => file.endsWith('.css'));
  if (!script || !stylesheet) throw new Error('esbuild produced no script or no stylesheet');

  const template = await readFile(join(source, 'index.html'), 'utf8');
  const html = template
    .replace('%SCRIPT%', `/${basename(script)}`)
    .replace('%STYLESHEET%', `/${basename(stylesheet)}`);
  await writeFile(join(outdir, 'index.html'), html);

  const sizes = await Promise.all(
    [join(outdir, 'index.html'), script, stylesheet].map(async (file) => {
      const bytes = await readFile(file);
      return {
        file: basename(file),
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 9 }).length,
      };
    }),
  );
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  for (const s of sizes) {
    console.log(
      `web: ${s.file.padEnd(28)} ${kib(s.raw).padStart(10)} raw ${kib(s.gzip).padStart(10)} gzip`,
    );
  }
  const jsGzip = sizes.find((s) => s.file === basename(script))?.gzip ?? 0;
  console.log(`web: first-load JavaScript ${kib(jsGzip)} gzipped (budget ${kib(JS_BUDGET_BYTES)})`);
  if (jsGzip > JS_BUDGET_BYTES) {
    throw new Error(
      `console JavaScript is ${kib(jsGzip)} gzipped, over the ${kib(JS_BUDGET_BYTES)} budget`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
