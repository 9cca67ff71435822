import { describeNothingLost } from './harness/nothing-lost.js';

// Every scenario on one Redis and on a 3-master Cluster; the Sentinel group has a file of its own, so that jest can
// run it beside this one.
describeNothingLost('redis');
describeNothingLost('cluster');
