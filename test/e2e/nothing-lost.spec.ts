import { describeNothingLost } from './harness/nothing-lost.js';

// Every scenario on one Redis. The Cluster and the Sentinel group have files of their own, so that jest's two
// workers can run them side by side.
describeNothingLost('redis');
