import { fileURLToPath } from 'node:url';

/** The repository's root, for tests that read or run its files. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
