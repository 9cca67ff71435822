/**
 * The suite against NestJS 11 (`npm run test:nest11`): every in-process test, with the NestJS 11 peer set of
 * compat/nest11 resolved in place of the root tree's NestJS 12. The multi-process e2e tests spawn the sample app,
 * which is built on NestJS 12; the consumer tests run real NestJS 11 processes instead.
 */
const base = require('./jest.config.js');

// Read by test/integration/peer-set.spec.ts, which fails unless NestJS 11 is what the workers really load.
process.env.CC_EXPECT_NEST_MAJOR = '11';

module.exports = {
  ...base,
  resolver: '<rootDir>/test/support/nest11-resolver.cjs',
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, '<rootDir>/test/e2e/'],
  globalSetup: '<rootDir>/test/support/redis-setup.mjs',
};
