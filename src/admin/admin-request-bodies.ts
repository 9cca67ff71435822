import { BadRequestException } from '@nestjs/common';
import { type PauseOptions, type RescheduleOptions } from '../execution/job-commands.js';

/**
 * The bodies of the admin's mutating routes, read into runner arguments. These check the shape only (an object,
 * known fields, the JSON types); what the values mean (a cron that parses, an `until` in the future) the runner
 * checks, and its `InvalidJobCommandError` becomes a 400 too.
 */

const PAUSE_SHAPE = '{ reason?: string, until?: string }';
const SCHEDULE_SHAPE =
  '{ cron?, jitter?, timeZone?, reason? }, or { "reset": true } (or null) for the code\'s schedule';

/** `POST …/pause` and `POST …/tenants/:tenantId/pause`. */
export function readPauseBody(body: unknown): PauseOptions {
  // An empty JSON body arrives as {} (or undefined with some parsers); both mean "pause, no reason, no end".
  const fields = objectOf(body ?? {}, PAUSE_SHAPE);
  knownFields(fields, ['reason', 'until']);
  const { reason, until } = fields;
  if (reason !== undefined && typeof reason !== 'string') throw new BadRequestException('reason must be a string');
  if (until !== undefined && (typeof until !== 'string' || until.trim() === '')) {
    throw new BadRequestException("until must be an ISO date or a duration such as '2h'");
  }
  return { reason, until };
}

/**
 * `POST …/schedule`: an override, or `null` to go back to the code's schedule. A bare JSON `null` reaches the route on
 * Fastify, but Express's JSON parser refuses any body that is not an object or an array (its `strict` default)
 * before the route is reached, so `{ "reset": true }` says the same on every platform. A missing body is not a reset:
 * a reset must be asked for.
 */
export function readScheduleBody(body: unknown): RescheduleOptions | null {
  if (body === null) return null;
  if (body === undefined) throw new BadRequestException(`send ${SCHEDULE_SHAPE}`);
  const fields = objectOf(body, SCHEDULE_SHAPE);
  if ('reset' in fields) {
    if (fields.reset !== true || Object.keys(fields).length > 1) {
      throw new BadRequestException('reset takes the value true and no other field: { "reset": true }');
    }
    return null;
  }
  knownFields(fields, ['cron', 'jitter', 'timeZone', 'reason', 'reset']);
  const { cron, jitter, timeZone, reason } = fields;
  if (cron !== undefined && typeof cron !== 'string') throw new BadRequestException('cron must be a string');
  if (jitter !== undefined && typeof jitter !== 'string' && typeof jitter !== 'number') {
    throw new BadRequestException("jitter must be milliseconds or a duration such as '90s'");
  }
  if (timeZone !== undefined && typeof timeZone !== 'string') {
    throw new BadRequestException('timeZone must be an IANA zone name such as "Europe/Berlin"');
  }
  if (reason !== undefined && typeof reason !== 'string') throw new BadRequestException('reason must be a string');
  const options: RescheduleOptions = {};
  if (cron !== undefined) options.cron = cron;
  if (jitter !== undefined) options.jitter = jitter;
  if (timeZone !== undefined) options.timeZone = timeZone;
  if (reason !== undefined) options.reason = reason;
  return options;
}

/** `POST …/retry-failed`: `{ occurrence? }`, an ISO 8601 instant as `describe()` and the run reports print it. */
export function readRetryFailedBody(body: unknown): { occurrence?: Date } {
  const fields = objectOf(body ?? {}, '{ occurrence?: ISO 8601 string }');
  knownFields(fields, ['occurrence']);
  const { occurrence } = fields;
  if (occurrence === undefined) return {};
  // Full ISO instants only: Date.parse alone accepts loose forms whose meaning depends on the server's zone.
  const at =
    typeof occurrence === 'string' && /^\d{4}-\d{2}-\d{2}T[^ ]+(Z|[+-]\d{2}:\d{2})$/.test(occurrence)
      ? Date.parse(occurrence)
      : Number.NaN;
  if (Number.isNaN(at)) {
    throw new BadRequestException(
      `occurrence must be an ISO 8601 instant such as "2026-05-01T02:00:00.000Z", as the run reports give it; ` +
        `got ${JSON.stringify(occurrence)}`,
    );
  }
  return { occurrence: new Date(at) };
}

function objectOf(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException(`the body must be a JSON object ${shape}`);
  }
  return body as Record<string, unknown>;
}

function knownFields(fields: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new BadRequestException(`unknown field(s): ${unknown.join(', ')}; the fields are ${known.join(', ')}`);
  }
}
