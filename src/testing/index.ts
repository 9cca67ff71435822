/**
 * `nestjs-coordinated-cron/testing`: what a test of the library's users needs and the library's own stores pass.
 */
export {
  describeLockStoreContract,
  type ContractTestApi,
  type LockStoreContractHarness,
  type LockStoreContractOptions,
} from './lock-store.contract.js';
