/**
 * Jest resolver for the NestJS 11 leg: the framework packages and everything that must be the same copy as theirs
 * (cache, CLS, rxjs, reflect-metadata) come from compat/nest11's tree; the rest from the root tree. Files inside
 * compat/nest11 resolve as usual, so NestJS 11's own imports stay inside its tree.
 */
const path = require('node:path');

const compatRoot = path.resolve(__dirname, '..', '..', 'compat', 'nest11');
const PEER_SET = /^(@nestjs\/[^/]+|nestjs-cls|@keyv\/redis|keyv|cache-manager|rxjs|reflect-metadata)(\/|$)/;

module.exports = (request, options) => {
  if (PEER_SET.test(request) && !options.basedir.startsWith(compatRoot)) {
    return options.defaultResolver(request, { ...options, basedir: compatRoot });
  }
  return options.defaultResolver(request, options);
};
