/**
 * `nestjs-coordinated-cron/terminus`: a health indicator for `@nestjs/terminus`. The only entry point that imports
 * `@nestjs/terminus` (an optional peer), so the main one loads without it.
 */
export { CoordinatedCronHealthIndicator } from './coordinated-cron-health.indicator.js';
export type { CoordinatedCronHealthOptions } from './health-options.js';
export type { StaleJob } from './fleet-health.js';
export { HealthCheckOptionsError } from './errors/health-check-options.error.js';
