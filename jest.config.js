/**
 * One jest run covers unit, integration and e2e tests; see CONTRIBUTING.md for what each needs. Jest runs in ESM
 * mode (`--experimental-vm-modules`): NestJS 12 ships ES modules only, which CommonJS mode cannot load.
 */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import each other with the `.js` suffix Node needs; jest resolves those to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumer/'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  testSequencer: '<rootDir>/test/support/slow-first.sequencer.cjs',
  testTimeout: 30000,
  // Three files at a time on two cores: the e2e files spend most of their time waiting for real ticks (two of them,
  // timed alone, used 0.5 and 0.7 of a core on average), so a third worker fills what the other two leave idle.
  maxWorkers: 3,
};
