import { describeNothingLost } from './harness/nothing-lost.js';

// On PostgreSQL, what depends on the store: every occurrence once across three processes, a @PerTenant() crash
// resumed by one of two survivors with only the undone tenants, a whole-fleet gap caught up once. The rest is
// decided above the store, and the Redis backends show it.
describeNothingLost('postgres', ['dedup', 'resume-2', 'catchup']);
