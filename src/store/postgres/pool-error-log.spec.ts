import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { type Logger } from '@nestjs/common';
import { BurstFilter, watchPoolErrors } from './pool-error-log.js';
import { type PostgresPool } from '../../interfaces/index.js';

describe('BurstFilter', () => {
  it('logs the first error of a burst, then nothing until the errors stop for quietMs, then says how many it left out', () => {
    let now = 1_000;
    const filter = new BurstFilter(10_000, () => now);
    expect(filter.record()).toEqual({ log: true, skipped: 0 });
    now += 10;
    expect(filter.record()).toEqual({ log: false });
    now += 9_999;
    // Still within quietMs of the previous error: the burst goes on.
    expect(filter.record()).toEqual({ log: false });
    now += 10_000;
    expect(filter.record()).toEqual({ log: true, skipped: 2 });
  });
});

describe('watchPoolErrors', () => {
  it("keeps a pool's error event from crashing the process, logs once per burst, and listens once per pool", () => {
    const pool = new EventEmitter();
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
    watchPoolErrors(pool as unknown as PostgresPool, logger);
    watchPoolErrors(pool as unknown as PostgresPool, logger);
    expect(pool.listenerCount('error')).toBe(1);
    // Without a listener, emit('error') throws: this is what would end the app.
    for (let i = 0; i < 5; i++) pool.emit('error', new Error('terminating connection due to administrator command'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('terminating connection due to administrator command');
  });
});
