import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/paths.js';

export { REPO_ROOT };

// The sample is an ES module app: it loads the library's ES module half.
export const LIBRARY_ENTRY = join(REPO_ROOT, 'dist', 'esm', 'index.js');
export const SAMPLE_MAIN = join(REPO_ROOT, 'sample-app', 'dist', 'main.js');

/** The suite runs the built artefacts, exactly what a user runs; a missing build is a setup error, not a skip. */
export function assertBuilt(): void {
  for (const file of [LIBRARY_ENTRY, SAMPLE_MAIN]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: the e2e suite runs the built library and sample app. ` +
          'Build them with `npm run build && npm run build:sample` (the jest global setup does this).',
      );
    }
  }
}
