import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as PublicApi from 'nestjs-coordinated-cron';

/** Everything the bench may use of the library: what its package entry point exports, nothing else. */
export type Library = typeof PublicApi;

/** bench/ (this file runs as bench/dist/lib/library.js). */
export const BENCH_ROOT = resolve(__dirname, '..', '..');
/** The repository root, i.e. the library package whose build is measured. */
export const REPO_ROOT = resolve(BENCH_ROOT, '..');
const PACKAGE_NAME = 'nestjs-coordinated-cron';
/** Set by the runner for itself and every child: the folder whose node_modules holds this run's copy of the build. */
const HOME_ENV = 'BENCH_LIBRARY_HOME';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const isBuilt = (packageDir: string): boolean => existsSync(join(packageDir, 'dist', 'cjs', 'index.js'));

/**
 * Copies the library as a package (its package.json with the exports map, and dist/) to
 * `<home>/node_modules/nestjs-coordinated-cron`, once no file of the build has changed for `quietMs`.
 *
 * Why a copy: every child of one run then loads the same build even if `npm run build` replaces dist/ halfway
 * through. Why under bench/: the copy resolves its peers (@nestjs/*, nestjs-cls, cache-manager) from
 * bench/node_modules, the very instances the bench's apps use, whereas ../dist would resolve them from the root's
 * node_modules and Nest would see two different ClsService or SchedulerRegistry classes.
 */
export async function snapshotLibrary(home: string, { quietMs = 3000, waitMs = 30000 } = {}): Promise<{ builtAt: Date }> {
  const src = join(REPO_ROOT, 'dist');
  const dest = join(home, 'node_modules', PACKAGE_NAME);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      if (isBuilt(REPO_ROOT)) {
        const before = newestMtime(src);
        if (Date.now() - before >= quietMs) {
          rmSync(dest, { recursive: true, force: true });
          mkdirSync(dest, { recursive: true });
          cpSync(join(REPO_ROOT, 'package.json'), join(dest, 'package.json'));
          cpSync(src, join(dest, 'dist'), { recursive: true });
          if (newestMtime(src) === before && isBuilt(dest)) return { builtAt: new Date(before) };
        }
      }
    } catch {
      // dist/ vanished while being read (a rebuild started): look again.
    }
    if (Date.now() > deadline) throw new Error(`no stable build in ${src} within ${waitMs / 1000} s (run npm run build)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Whether some file under the library's src/ changed after the build in `builtAt`: the run then measures old code. */
export function sourceNewerThan(builtAt: Date): boolean {
  try {
    return newestMtime(join(REPO_ROOT, 'src')) > builtAt.getTime();
  } catch {
    return false;
  }
}

/** Makes this process and the children it forks load the copy in `home`. */
export function useLibraryHome(home: string): void {
  process.env[HOME_ENV] = home;
}

let loaded: Library | undefined;

/**
 * The library as an application gets it: `require('nestjs-coordinated-cron')`, resolved through the package's exports
 * map, from the run's copy.
 */
export function loadLibrary(): Library {
  if (loaded) return loaded;
  const home = process.env[HOME_ENV];
  if (!home) throw new Error(`${HOME_ENV} is not set: start the bench with npm run bench`);
  loaded = createRequire(join(home, 'bench.js'))(PACKAGE_NAME) as Library;
  return loaded;
}
