// Lint for the library, its tests and the sample app. Type-aware rules run on src/ only, where a floating
// promise or a misused async callback is a bug the library promises never to have.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      '**/node_modules/',
      'bench/',
      'chaos/dist/',
      'chaos/.runs/',
      'sample-app/dist/',
      'compat/',
      '.node-lines/',
      'test/consumer/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Nest reads constructor types from decorator metadata: a class injected by type must stay a value import, and
    // these options let consistent-type-imports see that instead of turning it into `import type` (which breaks DI).
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-aware here, so it knows which imports decorator metadata needs as values (injected classes).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Nest reads constructor types at runtime (decorator metadata): with these flags the type-imports rule leaves a
    // class that is only named in a decorated constructor as a value import, which the injector needs.
    files: ['sample-app/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      // Test doubles and fixtures stand in for anything.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
