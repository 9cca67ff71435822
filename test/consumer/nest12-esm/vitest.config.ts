import { defineConfig } from 'vitest/config';

// The unit test set-up of a NestJS 12 `nest new` app: every *.spec.ts, Vitest's globals, tsconfig paths.
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    globals: true,
    root: './',
    include: ['**/*.spec.ts'],
  },
});
