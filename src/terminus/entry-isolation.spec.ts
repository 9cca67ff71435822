import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every package a source file reaches through its relative imports, static or dynamic, from `entry` on. */
function packagesReachedFrom(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, fromClause, dynamic] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = fromClause ?? dynamic;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!packages.has(specifier)) packages.set(specifier, file);
    }
  }
  return packages;
}

describe('the entry points and @nestjs/terminus', () => {
  it('the main entry never reaches @nestjs/terminus, so the package loads without it', () => {
    const reached = packagesReachedFrom(resolve(SRC, 'index.ts'));
    // The walk sees the package's own peers, so it does read the import graph.
    expect(reached.has('@nestjs/common')).toBe(true);
    const terminus = [...reached].filter(([name]) => name.startsWith('@nestjs/terminus'));
    expect(terminus).toEqual([]);
  });

  it('the terminus entry does', () => {
    expect(packagesReachedFrom(resolve(SRC, 'terminus', 'index.ts')).has('@nestjs/terminus')).toBe(true);
  });
});
