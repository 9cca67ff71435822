import { BadRequestException } from '@nestjs/common';
import { readPauseBody, readRetryFailedBody, readScheduleBody } from './admin-request-bodies.js';

function messageOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as Error).message;
  }
  throw new Error('expected a BadRequestException');
}

describe('readPauseBody', () => {
  it('reads a reason and an until, and an empty or missing body as no options', () => {
    expect(readPauseBody({ reason: 'freeze', until: '2h' })).toEqual({ reason: 'freeze', until: '2h' });
    expect(readPauseBody({})).toEqual({});
    expect(readPauseBody(undefined)).toEqual({});
    expect(readPauseBody(null)).toEqual({});
  });

  it('refuses other shapes and fields', () => {
    expect(messageOf(() => readPauseBody([1]))).toMatch(/JSON object/);
    expect(messageOf(() => readPauseBody({ reason: 1 }))).toMatch(/reason must be a string/);
    expect(messageOf(() => readPauseBody({ until: ' ' }))).toMatch(/until must be/);
    expect(messageOf(() => readPauseBody({ tenant: 'a' }))).toMatch(/unknown field\(s\): tenant; the fields are/);
  });
});

describe('readScheduleBody', () => {
  it('reads an override field by field, leaving out what is not given', () => {
    expect(readScheduleBody({ cron: '0 7 * * *', jitter: 900, timeZone: 'UTC', reason: 'x' })).toEqual({
      cron: '0 7 * * *',
      jitter: 900,
      timeZone: 'UTC',
      reason: 'x',
    });
    expect(readScheduleBody({ jitter: '90s' })).toEqual({ jitter: '90s' });
  });

  it('reads a JSON null and { reset: true } as a reset, and nothing else', () => {
    expect(readScheduleBody(null)).toBeNull();
    expect(readScheduleBody({ reset: true })).toBeNull();
    expect(messageOf(() => readScheduleBody(undefined))).toMatch(/send \{ cron\?/);
    expect(messageOf(() => readScheduleBody({ reset: 'yes' }))).toMatch(/reset takes the value true/);
    expect(messageOf(() => readScheduleBody({ reset: true, jitter: 1 }))).toMatch(/no other field/);
  });

  it('refuses other shapes, fields and types', () => {
    expect(messageOf(() => readScheduleBody('0 7 * * *'))).toMatch(/JSON object/);
    expect(messageOf(() => readScheduleBody({ cron: ['0 7 * * *'] }))).toMatch(/cron must be a string/);
    expect(messageOf(() => readScheduleBody({ jitter: false }))).toMatch(/jitter must be/);
    expect(messageOf(() => readScheduleBody({ timeZone: 1 }))).toMatch(/timeZone must be/);
    expect(messageOf(() => readScheduleBody({ reason: {} }))).toMatch(/reason must be a string/);
    expect(messageOf(() => readScheduleBody({ tz: 'UTC' }))).toMatch(/unknown field\(s\): tz/);
  });
});

describe('readRetryFailedBody', () => {
  it('reads an ISO instant, and no occurrence as the newest', () => {
    expect(readRetryFailedBody({ occurrence: '2026-05-01T02:00:00.000Z' })).toEqual({
      occurrence: new Date(Date.UTC(2026, 4, 1, 2)),
    });
    expect(readRetryFailedBody({ occurrence: '2026-05-01T04:00:00+02:00' })).toEqual({
      occurrence: new Date(Date.UTC(2026, 4, 1, 2)),
    });
    expect(readRetryFailedBody({})).toEqual({});
    expect(readRetryFailedBody(undefined)).toEqual({});
  });

  it('refuses what is not a full instant: a date alone, a wall time without a zone, a number', () => {
    for (const occurrence of ['2026-05-01', '2026-05-01T02:00:00', 'May 1, 2026', 1_777_600_800_000, '']) {
      expect(messageOf(() => readRetryFailedBody({ occurrence }))).toMatch(/occurrence must be an ISO 8601 instant/);
    }
    expect(messageOf(() => readRetryFailedBody({ occurrence: '2026-13-45T99:00:00Z' }))).toMatch(/ISO 8601/);
    expect(messageOf(() => readRetryFailedBody({ tenants: [] }))).toMatch(/unknown field\(s\): tenants/);
  });
});
