import { AUTOMATION_SCHEDULER, groupByOccurrence } from './harness/facts.js';
import { leaseKey } from '../support/internals.js';
import { pttl } from './harness/redis.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const LEASE_TTL_MS = 4500;
const PERIOD_MS = 1000;
const JITTER_MS = 300;
const TIMER_SLACK_MS = 250;

/**
 * Scenario 6: the instance running a long automation-scheduler run is SIGKILLed. Its running lease outlives it, so
 * no other instance starts the job until the lease expires; after that the next occurrence runs normally.
 */
describe('e2e: SIGKILL of the instance holding a long run', () => {
  const openScenario = useScenarios();

  it('nobody starts the job until the dead holder lease expires, then the next occurrence runs normally', async () => {
    const world = openScenario('crashed-holder', {
      SAMPLE_JOBS: AUTOMATION_SCHEDULER,
      SAMPLE_FAST_PERIOD: String(PERIOD_MS / 1000),
      SAMPLE_FAST_JITTER_MS: String(JITTER_MS),
      SAMPLE_ACCOUNTS: '3',
      CRON_LEASE_TTL_MS: String(LEASE_TTL_MS),
      CRON_LOCK_TIMEOUT_MS: '1000',
    });

    // The holder alone first, with work that never ends by itself: it wins the first occurrence and keeps running.
    const [holder] = await world.startReady(['holder'], { SAMPLE_AUTOMATION_WORK_MS: '600000' });
    const holderRun = await waitFor(
      'the holder to start a long run',
      () => world.jobRuns("instance_id = 'holder' AND status = 'running'")[0],
      world.waiting(15_000, 100),
    );

    const others = [world.start('w1'), world.start('w2')];
    await Promise.all(others.map((instance) => instance.waitForReady(30_000)));
    const othersReadyAt = Math.max(...others.map((instance) => instance.readyAt()!));
    // While the holder lives, the others keep meeting its lease.
    await waitFor(
      'three occurrences after the others joined, all blocked by the running lease',
      () => {
        const blocked = new Set(
          world
            .runLines()
            .filter((line) => line.reason === 'overlap' && Date.parse(line.occurrence) > othersReadyAt)
            .map((line) => line.occurrence),
        );
        return blocked.size >= 3;
      },
      world.waiting(15_000, 100),
    );
    expect(world.jobRuns("instance_id <> 'holder'")).toEqual([]);

    const killedAt = holder.signal('SIGKILL');
    // What the dead holder's lease has left, read from Redis rather than assumed: a loaded holder may have renewed
    // it later than every third of its TTL.
    const leaseLeftMs = await pttl(leaseKey(world.keyPrefix, AUTOMATION_SCHEDULER));
    const leaseReadAt = Date.now();
    expect(leaseLeftMs).toBeGreaterThan(0);
    expect(leaseLeftMs).toBeLessThanOrEqual(LEASE_TTL_MS);
    const leaseExpiresAt = leaseReadAt + leaseLeftMs;
    const exit = await holder.waitForExit(5000);
    expect(exit.signal).toBe('SIGKILL');

    const takeover = await waitFor(
      'another instance to run the job after the lease expired',
      () => world.jobRuns("instance_id <> 'holder'")[0],
      world.waiting(LEASE_TTL_MS + 10_000, 100),
    );

    // Not before the dead holder's lease expired...
    expect(takeover.started_at).toBeGreaterThanOrEqual(leaseExpiresAt - TIMER_SLACK_MS);
    // ...and at the first occurrence whose claim came after that, give or take one window and a loaded machine.
    expect(takeover.started_at - leaseExpiresAt).toBeLessThanOrEqual(PERIOD_MS + JITTER_MS + 3000);
    // In between, the others did try every occurrence and were turned away by the lease, not silently idle.
    const blockedAfterKill = world
      .runLines()
      .filter(
        (line) =>
          line.instance !== 'holder' &&
          line.reason === 'overlap' &&
          Date.parse(line.occurrence) > killedAt &&
          Date.parse(line.occurrence) < takeover.started_at - JITTER_MS,
      );
    expect(blockedAfterKill.length).toBeGreaterThanOrEqual(2);

    // Then the job is back to normal: it completes, and each later occurrence runs once.
    await waitFor(
      'three more occurrences completed after the takeover',
      () => {
        const after = world.jobRuns(
          "instance_id <> 'holder' AND status = 'succeeded' AND started_at >= ?",
          takeover.started_at,
        );
        return new Set(after.map((row) => row.occurrence)).size >= 4;
      },
      world.waiting(15_000, 200),
    );
    const after = world.jobRuns("instance_id <> 'holder' AND started_at >= ?", takeover.started_at);
    const shared = [...groupByOccurrence(after)].filter(([, rows]) => rows.length !== 1);
    expect(shared.map(([key]) => key)).toEqual([]);
    expect(after.filter((row) => row.status === 'failed')).toEqual([]);
    const takeoverLine = world.runLines().find((line) => line.run === takeover.run_id);
    expect(takeoverLine?.outcome).toBe('completed');

    // The dead holder's run never finished; nobody ran its occurrence again.
    const holderRows = world.jobRuns('occurrence = ?', holderRun.occurrence);
    expect(holderRows.map((row) => [row.instance_id, row.status])).toEqual([['holder', 'running']]);

    console.info(
      `SIGKILL of the holder; the job next started ${takeover.started_at - killedAt}ms later ` +
        `on ${takeover.instance_id} ` +
        `(lease ttl ${LEASE_TTL_MS}ms); ${blockedAfterKill.length} occurrence attempts met the dead lease`,
    );

    await world.stopAll();
    for (const instance of others) expect(instance.exit?.code).toBe(0);
  }, 90_000);
});
