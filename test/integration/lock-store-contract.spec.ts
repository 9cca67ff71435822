import { describeLockStoreContract } from '../../src/testing/index.js';
import { postgresHarness, redisClusterHarness, redisStandaloneHarness } from '../support/contract-harnesses.js';

// The one specification of a store, against every real store this repository ships. The memory store runs it as a
// unit test (src/store/memory/memory-lock.store.spec.ts).
describeLockStoreContract('redis (standalone)', redisStandaloneHarness());
describeLockStoreContract('redis (cluster)', redisClusterHarness());
describeLockStoreContract('postgres', postgresHarness());
