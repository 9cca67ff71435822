/**
 * `npm run test:unit`: the specs beside the code in src/ (and the tooling specs), with neither Redis nor a build.
 * Pure functions and single classes, each tested without Nest where it can be.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/tooling/**/*.spec.ts'],
  globalSetup: undefined,
};
