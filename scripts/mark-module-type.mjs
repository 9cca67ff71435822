// Each build half gets a package.json naming its module format, so Node reads dist/esm/*.js as ESM and
// dist/cjs/*.js as CommonJS whatever the root package.json says.
import { writeFileSync } from 'node:fs';

for (const [folder, type] of [
  ['dist/esm', 'module'],
  ['dist/cjs', 'commonjs'],
]) {
  writeFileSync(`${folder}/package.json`, `${JSON.stringify({ type })}\n`);
}
