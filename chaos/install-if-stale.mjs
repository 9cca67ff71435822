// Run before every chaos run: the root's `npm run chaos` installs chaos/node_modules only when the folder is missing,
// so a checkout made before a dependency was added (pg, for --store postgres) would fail to compile. Installs again
// when a dependency of package.json is not in node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
const missing = names.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
if (missing.length > 0) {
  process.stderr.write(`chaos: ${missing.join(', ')} not installed; running npm ci in ${root}\n`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
