import { SetMetadata } from '@nestjs/common';
import { COORDINATED_CRON_METADATA } from '../common/constants.js';
import { type CoordinatedCronMetadata, type CronWindowInput } from '../interfaces/index.js';

/**
 * Makes a provider method a cron job that runs on exactly one instance per occurrence of `window`.
 *
 * @param name unique job name; it is part of every lock key, log line and report.
 * @param window a cron expression, or `{ cron, jitter?, timeZone?, lockTtl? }`.
 */
export const CoordinatedCron = (name: string, window: CronWindowInput): MethodDecorator =>
  SetMetadata<string, CoordinatedCronMetadata>(COORDINATED_CRON_METADATA, { name, window });
