/**
 * The layering rule, run by `npm run lint`: arrows point down the stack only (chaincode → proof
 * → network → gateway → scripts, tests on top), a workspace package (chaincode/, proof/) is
 * imported through its `exports` only (`@shulian/<name>/<entry>`, never a relative path into its
 * folder), and no module imports itself back through any chain (no cycles, type imports
 * included: a type cycle is a design cycle too). Exits 1 and names every offending import.
 *
 * ESLint's import plugins would need a resolver for the workspace packages' `exports`; reading
 * the imports with TypeScript's own pre-processor and the two package.json files is all it takes.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..').replace(/[\\/]dist$/, '');

/** Layers from the bottom; a module may import its own layer and those below. */
const LAYERS = ['chaincode', 'proof', 'network', 'gateway', 'scripts', 'tests'] as const;
const PACKAGES: Record<string, string> = { chaincode: 'chaincode', proof: 'proof' };
const SKIP = new Set(['node_modules', 'dist', 'vendor', '.venv', 'data']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const layerOf = (file: string): number =>
  LAYERS.indexOf(relative(root, file).split(sep)[0] as (typeof LAYERS)[number]);

/** `./x.js` → the .ts file it is compiled from (or a folder's index.ts). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base + '.ts', join(base, 'index.ts'), base];
  return candidates.find((c) => existsSync(c) && c.endsWith('.ts'));
}

/** `@shulian/<pkg>/<entry>` → the source file its `exports` entry is built from. */
function resolvePackage(specifier: string): string | undefined {
  const match = /^@shulian\/([^/]+)(\/.*)?$/.exec(specifier);
  const folder = match && PACKAGES[match[1]!];
  if (!folder) return undefined;
  const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as {
    exports?: Record<string, { default?: string } | string>;
  };
  const entry = manifest.exports?.[`.${match[2] ?? ''}`];
  const target = typeof entry === 'string' ? entry : entry?.default;
  if (!target) return undefined;
  return join(root, folder, target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
}

const problems: string[] = [];
const graph = new Map<string, string[]>();
const files = LAYERS.flatMap((layer) =>
  existsSync(join(root, layer)) ? sources(join(root, layer)) : [],
);

for (const file of files) {
  const from = layerOf(file);
  const ownPackage = Object.values(PACKAGES).find((p) => relative(root, file).startsWith(p + sep));
  const edges: string[] = [];
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName: specifier } of info.importedFiles) {
    const at = `${relative(root, file)} imports ${specifier}`;
    let target: string | undefined;
    if (specifier.startsWith('.')) {
      target = resolveRelative(file, specifier);
      // By path, resolved or not: `../../chaincode/dist/…` is as much an internal as its source.
      const path = relative(root, resolve(dirname(file), specifier));
      const targetPackage = Object.values(PACKAGES).find((p) => path.startsWith(p + sep));
      if (targetPackage && targetPackage !== ownPackage) {
        problems.push(
          `${at}: the ${targetPackage} package's internals (use @shulian/${targetPackage}/…)`,
        );
      }
    } else if (specifier.startsWith('@shulian/')) {
      target = resolvePackage(specifier);
      if (!target) problems.push(`${at}: not an export of the package`);
    }
    if (!target) continue;
    const to = layerOf(target);
    if (to > from) problems.push(`${at}: points up the stack (${LAYERS[from]} → ${LAYERS[to]})`);
    edges.push(target);
  }
  graph.set(file, edges);
}

// Tarjan's strongly connected components: every component of more than one module is a cycle.
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
function connect(v: string): void {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
  }
  if (low.get(v) === index.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(relative(root, w));
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) {
      problems.push(`import cycle: ${component.sort().join(' ↔ ')}`);
    }
  }
}
for (const file of graph.keys()) if (!index.has(file)) connect(file);

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`layers: ${problems.length} problem(s) in ${files.length} modules`);
  process.exit(1);
}
console.log(
  `layers: ${files.length} modules, arrows down only, packages through exports, no cycles`,
);
