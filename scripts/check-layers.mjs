// Fails when an import in src/ points up the layer stack. Each top-level folder of src/ is a layer; a file may
// import from its own layer or from a lower one, never from a higher one or a sibling of the same rank. The files
// at the root of src/ (the module and the public index) sit on top and may import anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first. Keep in step with the layer table in CONTRIBUTING.md. */
export const LAYERS = [
  ['common', 'interfaces'],
  ['options'],
  ['definition'],
  ['store'],
  ['coordination'],
  ['context'],
  ['execution'],
  ['scheduling'],
  ['decorators'],
  ['discovery'],
  ['admin', 'testing', 'terminus'],
];
const ROOT_RANK = LAYERS.length;

// A folder may be named for the check's own test; the library's src/ otherwise.
const src = resolve(process.argv[2] ?? fileURLToPath(new URL('../src', import.meta.url)));
const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((folder) => [folder, rank])));

function layerOf(file) {
  const parts = relative(src, file).split(sep);
  return parts.length === 1 ? '(root)' : parts[0];
}

function rank(layer) {
  if (layer === '(root)') return ROOT_RANK;
  const found = rankOf.get(layer);
  if (found === undefined) throw new Error(`src/${layer}/ is not in the layer list of scripts/check-layers.mjs`);
  return found;
}

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) yield full;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const problems = [];
for (const file of sourceFiles(src)) {
  const from = layerOf(file);
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = resolve(dirname(file), specifier);
    const to = layerOf(target);
    if (to === from) continue;
    if (rank(to) >= rank(from)) {
      problems.push(`src/${relative(src, file)} (${from}) imports ${specifier} (${to}): layers point down only`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`check-layers: ${problems.length} import(s) point the wrong way`);
  process.exit(1);
}
console.log('check-layers: every import points down');
