// Copied into a consumer app and run there: which half of the package each module system gets, and whether both
// halves export the same names (a dual build whose halves drift apart breaks only one kind of consumer).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const result = {
  importResolved: fileURLToPath(import.meta.resolve('nestjs-coordinated-cron')),
  requireResolved: require.resolve('nestjs-coordinated-cron'),
};
try {
  result.esmKeys = Object.keys(await import('nestjs-coordinated-cron'))
    .filter((k) => k !== 'default')
    .sort();
} catch (error) {
  result.esmError = String(error?.stack ?? error);
}
try {
  result.cjsKeys = Object.keys(require('nestjs-coordinated-cron'))
    .filter((k) => k !== '__esModule')
    .sort();
} catch (error) {
  result.cjsError = String(error?.stack ?? error);
}
console.log(`RESOLVE_CHECK ${JSON.stringify(result)}`);
