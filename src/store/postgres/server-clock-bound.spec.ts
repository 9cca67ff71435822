import { describe, expect, it } from '@jest/globals';
import { ServerClockBound } from './server-clock-bound.js';

describe('ServerClockBound', () => {
  it('knows nothing before an answer', () => {
    expect(new ServerClockBound().toServer(1_000)).toBeUndefined();
  });

  it('keeps the tightest lower bound of the offset: a late answer does not move it', () => {
    let now = 100_000;
    const clock = new ServerClockBound(() => now);
    // The server runs 5,000 ms ahead; this answer took 2 ms to arrive.
    clock.sample(now + 5_000 - 2, now);
    expect(clock.toServer(200_000)?.getTime()).toBe(204_998);
    // An answer held up 3 s on its way (a paused server): a looser bound, ignored.
    now += 10_000;
    clock.sample(now + 5_000 - 3_000, now);
    expect(clock.toServer(200_000)?.getTime()).toBe(204_998);
    // A tighter one replaces it.
    clock.sample(now + 5_000, now);
    expect(clock.toServer(200_000)?.getTime()).toBe(205_000);
  });

  it('lets an old bound go after a minute, so a server clock that stepped back is followed', () => {
    let now = 0;
    const clock = new ServerClockBound(() => now);
    clock.sample(1_000, 0);
    now = 61_000;
    clock.sample(now - 500, now);
    expect(clock.toServer(0)?.getTime()).toBe(-500);
  });
});
