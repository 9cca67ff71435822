import { describeNothingLost } from './harness/nothing-lost.js';

// On a Sentinel group, what depends on the client and the store: every occurrence once, a @PerTenant() crash
// resumed by one of two survivors, a plain job's crash resumed, a whole-fleet restart caught up. The rest (four
// survivors, the plain default, the first deploy) is decided above the store, and the two other backends show it.
describeNothingLost('sentinel', ['dedup', 'resume-2', 'plain-resume', 'catchup']);
