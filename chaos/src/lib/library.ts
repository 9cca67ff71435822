import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as PublicApi from 'nestjs-coordinated-cron';

/** The chaos app uses the library only through what its package entry point exports. */
export type Library = typeof PublicApi;

/** This file is chaos/dist/lib/library.js; chaos/ is two folders up, and the library's own package one more. */
export const CHAOS_ROOT = resolve(__dirname, '..', '..');
export const REPO_ROOT = resolve(CHAOS_ROOT, '..');
const PACKAGE = 'nestjs-coordinated-cron';
/** Where the instances find this run's copy of the build; set by the runner, inherited by every instance. */
const HOME_ENV = 'CHAOS_LIBRARY_HOME';

/** When the newest file under `dir` was last written. */
function lastWritten(dir: string): number {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => statSync(join(dir, name)));
  return Math.max(0, ...files.filter((stat) => stat.isFile()).map((stat) => stat.mtimeMs));
}

/**
 * Copies the built library as a package (package.json with its exports map, and dist/) into
 * `<home>/node_modules/nestjs-coordinated-cron`, where `home` lies under chaos/: every instance of the run then loads
 * this one build even if dist/ is rebuilt meanwhile, and the copy resolves its peers (@nestjs/*, nestjs-cls) from
 * chaos/node_modules, the same copies the chaos app uses. Returns a line that names the build.
 */
export function snapshotLibrary(home: string): string {
  const dist = join(REPO_ROOT, 'dist');
  if (!existsSync(join(dist, 'cjs', 'index.js'))) {
    throw new Error(`no build of the library in ${dist}: run npm run build in ${REPO_ROOT} (npm run chaos does)`);
  }
  const dest = join(home, 'node_modules', PACKAGE);
  mkdirSync(dest, { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(dest, 'package.json'));
  cpSync(dist, join(dest, 'dist'), { recursive: true });
  const builtAt = lastWritten(dist);
  let srcNewer = false;
  try {
    srcNewer = lastWritten(join(REPO_ROOT, 'src')) > builtAt;
  } catch {
    // No src/ beside the build (an installed package): nothing to compare.
  }
  const commit = spawnSync('git', ['-C', REPO_ROOT, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).stdout?.trim();
  const changed = spawnSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'src'], {
    encoding: 'utf8',
  }).stdout?.trim();
  const source = commit ? ` from git ${commit}${changed ? ' with src/ changed' : ''}` : '';
  return `build of ${new Date(builtAt).toISOString()}${source}${srcNewer ? ' (src/ has changed since: npm run build to test it)' : ''}`;
}

/** This process and the instances it forks load the copy in `home`. */
export function useLibraryHome(home: string): void {
  process.env[HOME_ENV] = home;
}

let loaded: Library | undefined;

/** `require('nestjs-coordinated-cron')` from the run's copy, through the package's exports map. */
export function loadLibrary(): Library {
  if (loaded) return loaded;
  const home = process.env[HOME_ENV];
  if (!home) throw new Error(`${HOME_ENV} is not set: start a chaos run with npm run chaos`);
  loaded = createRequire(join(home, 'chaos.js'))(PACKAGE) as Library;
  return loaded;
}
