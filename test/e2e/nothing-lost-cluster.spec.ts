import { describeNothingLost } from './harness/nothing-lost.js';

// Every scenario on a Redis Cluster of three masters, every sample instance on a cluster client.
describeNothingLost('cluster');
