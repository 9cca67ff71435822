import { fastAndSlowInstances } from './harness/clock-skew.js';
import { OwnRedisSentinel } from './harness/redis-sentinel.js';
import { useScenarios } from './harness/scenario.js';

describe('e2e: instances whose clocks are off, on a Sentinel group (libfaketime)', () => {
  const openScenario = useScenarios();

  it('one 9 s ahead, one right, one 9 s behind: no run starts early, every tick once, no false overlap', async () => {
    const group = await OwnRedisSentinel.start();
    await fastAndSlowInstances(openScenario('clock-skew-sentinel', { REDIS_SENTINELS: group.sentinels }));
  }, 150_000);
});
