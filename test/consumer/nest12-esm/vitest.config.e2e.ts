import { defineConfig } from 'vitest/config';
import tsconfigPaths from 'vite-tsconfig-paths';

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    globals: true,
    root: './',
    include: ['**/*.e2e-spec.ts'],
    // The spec claims occurrences in a real Redis; a reconnecting client can take a few seconds.
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
