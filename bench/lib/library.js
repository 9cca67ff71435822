'use strict';

const path = require('node:path');
const fs = require('node:fs');

const ROOT = path.join(__dirname, '..', '..');

/** The built library; BENCH_LIB_DIR points the bench at another build of it (same layout as dist/cjs/). */
function libDir() {
  return path.resolve(process.env.BENCH_LIB_DIR || path.join(ROOT, 'dist', 'cjs'));
}

function isBuilt(dir = libDir()) {
  return fs.existsSync(path.join(dir, 'index.js'));
}

function load() {
  if (!isBuilt()) throw new Error(`the library is not built: ${path.join(libDir(), 'index.js')} is missing (run npm run build)`);
  return require(libDir());
}

/** A module of the build that is not part of the public API; its path is named in the error when it moved. */
function internal(relPath) {
  const full = path.join(libDir(), relPath);
  try {
    return require(full);
  } catch (err) {
    throw new Error(`internal module ${relPath} not found in the build (${full}): ${err.message}`);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Copies the build into `dest` (inside the package, so the copy still resolves the package's node_modules) once no
 * file in it has changed for `quietMs`. Every child of one bench run then loads the same build, even when
 * `npm run build` replaces dist/ halfway through the run. Resolves the build's newest file time.
 */
async function snapshot(dest, { quietMs = 3000, waitMs = 120000 } = {}) {
  const src = libDir();
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      if (isBuilt(src)) {
        const before = newestMtime(src);
        if (Date.now() - before >= quietMs) {
          fs.rmSync(dest, { recursive: true, force: true });
          fs.cpSync(src, dest, { recursive: true });
          if (newestMtime(src) === before && isBuilt(dest)) return { builtAt: new Date(before), dir: dest };
        }
      }
    } catch {
      // dist/ vanished while being read (a rebuild started): wait and look again.
    }
    if (Date.now() > deadline) throw new Error(`no stable build in ${src} within ${waitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

module.exports = { ROOT, libDir, isBuilt, load, internal, snapshot };
