// Plain CommonJS: jest loads a test environment outside its module transform, in the worker's own realm.
const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest's node environment, plus a handle on the worker's real `process` events.
 *
 * Inside a test, `process` is a copy made by jest-util whose listeners Node never calls (jestjs/jest#11165): a
 * listener added with `process.on('unhandledRejection', …)` there sees nothing, ever. This environment runs in the
 * worker's realm, where `process` is the object Node emits on, and lends the tests `on`/`off` for it. Files that
 * need it name this environment in a `@jest-environment` docblock; test/support/unhandled.ts refuses to run without.
 */
class RealProcessEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const realProcess = process;
    this.global.__ccRealProcessEvents = Object.freeze({
      on: (event, listener) => void realProcess.on(event, listener),
      off: (event, listener) => void realProcess.off(event, listener),
    });
  }
}

module.exports = RealProcessEnvironment;
