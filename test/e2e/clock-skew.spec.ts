import { fastAndSlowInstances } from './harness/clock-skew.js';
import { useScenarios } from './harness/scenario.js';

describe('e2e: instances whose clocks are off, on one Redis (libfaketime)', () => {
  const openScenario = useScenarios();

  it('one 9 s ahead, one right, one 9 s behind: no run starts early, every tick once, no false overlap', async () => {
    await fastAndSlowInstances(openScenario('clock-skew'));
  }, 120_000);
});
