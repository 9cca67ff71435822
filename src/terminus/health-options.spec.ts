import { HealthCheckOptionsError } from './errors/health-check-options.error.js';
import { DEFAULT_GRACE_MS, DEFAULT_STALE_AFTER, resolveHealthOptions } from './health-options.js';

describe('resolveHealthOptions', () => {
  it('defaults to two ticks and a minute of grace', () => {
    expect(resolveHealthOptions('cron')).toEqual({ staleAfter: 2, graceMs: 60_000 });
    expect(resolveHealthOptions('cron', {})).toEqual({ staleAfter: DEFAULT_STALE_AFTER, graceMs: DEFAULT_GRACE_MS });
  });

  it('takes grace as milliseconds or a duration string', () => {
    expect(resolveHealthOptions('cron', { staleAfter: 3, grace: '10m' })).toEqual({ staleAfter: 3, graceMs: 600_000 });
    expect(resolveHealthOptions('cron', { grace: 0 }).graceMs).toBe(0);
  });

  it.each([
    [{ staleAfter: 0 }, /isHealthy\("cron"\): staleAfter must be a whole number of ticks from 1 to 1000, got 0/],
    [{ staleAfter: 1.5 }, /staleAfter .* got 1.5/],
    [{ staleAfter: '2' }, /staleAfter .* got "2"/],
    [{ grace: 'soon' }, /grace must be milliseconds or a duration string .* got "soon"/],
    [{ grace: -1 }, /grace must be/],
    [{ staleAftre: 3 }, /unknown option "staleAftre"; the options are staleAfter, grace/],
    [null, /options must be an object/],
  ])('rejects %p with a message that names the fix', (options, message) => {
    const call = () => resolveHealthOptions('cron', options as never);
    expect(call).toThrow(HealthCheckOptionsError);
    expect(call).toThrow(message);
  });
});
