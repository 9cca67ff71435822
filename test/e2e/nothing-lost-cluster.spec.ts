import { describeNothingLost } from './harness/nothing-lost.js';

// On a Redis Cluster of three masters, every sample instance on a cluster client: what depends on the client and on
// keys living on slots (every occurrence once, a @PerTenant() crash resumed by one of two survivors, a plain job's
// crash resumed, a whole-fleet restart caught up, a first deploy). Four survivors and the plain default are decided
// above the store, and the standalone run shows them.
describeNothingLost('cluster', ['dedup', 'resume-2', 'plain-resume', 'catchup', 'first-deploy']);
