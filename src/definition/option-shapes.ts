import { type JobLocation } from '../common/errors/index.js';
import { JobDefinitionError } from './errors/job-definition.error.js';

/**
 * What an option's value may be. `read` marks an option whose value is checked where it is read, with a message of
 * its own (a cron that parses, a duration, a choice among a few).
 */
type Shape = 'read' | 'boolean' | readonly string[];

/** Every option of a `@CoordinatedCron` window, and what its value may be. */
export const WINDOW_OPTIONS: Readonly<Record<string, Shape>> = {
  cron: 'read',
  jitter: 'read',
  timeZone: 'read',
  lockTtl: 'read',
  catchup: 'read',
  catchupWindow: 'read',
  crashRecovery: 'read',
  retry: 'read',
  overlap: ['skip', 'buffer-one', 'cancel-running', 'allow'],
  pauseOnFailure: 'read',
};

/** Every option of a window's `retry`. */
export const RETRY_OPTIONS: Readonly<Record<string, Shape>> = {
  attempts: 'read',
  backoff: 'read',
  maxBackoff: 'read',
};

/** Every option of `@PerTenant()`. */
export const PER_TENANT_OPTIONS: Readonly<Record<string, Shape>> = {
  concurrency: 'read',
  tenantTimeout: 'read',
  localTime: 'boolean',
};

/**
 * Fails the boot on an option the decorator does not have (a typo such as `jiter` would otherwise do nothing) or a
 * value of the wrong type, naming the job, the key and the options there are. Finer checks (a valid cron, a
 * duration's syntax) follow where each option is read.
 */
export function checkOptions(
  where: JobLocation,
  scope: string,
  options: object,
  shapes: Readonly<Record<string, Shape>>,
): void {
  for (const [key, value] of Object.entries(options)) {
    const shape = shapes[key];
    if (!shape) throw JobDefinitionError.unknownOption(where, scope, key, Object.keys(shapes));
    if (value === undefined || fits(value, shape)) continue;
    throw JobDefinitionError.wrongOptionType(where, scope, key, describeShape(shape), value);
  }
}

function fits(value: unknown, shape: Shape): boolean {
  if (Array.isArray(shape)) return typeof value === 'string' && shape.includes(value);
  if (shape === 'boolean') return typeof value === 'boolean';
  return true;
}

function describeShape(shape: Shape): string {
  if (Array.isArray(shape)) return `one of ${shape.map((choice) => `'${choice}'`).join(', ')}`;
  return shape === 'boolean' ? 'true or false' : 'valid';
}
