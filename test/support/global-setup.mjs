// Plain ESM JavaScript: jest loads a global setup outside its module transform.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import redisSetup from './redis-setup.mjs';

/** Runs once before the whole suite: Redis must answer, and the e2e tests spawn the built library and sample app. */
export default async function globalSetup() {
  await redisSetup();
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  execFileSync(npm, ['run', 'build:sample'], { cwd: root, stdio: 'inherit' });
}
