import type { CronWindow } from 'nestjs-coordinated-cron';
import {
  ANNOUNCEMENT_CLEANUP,
  AUTOMATION_SCHEDULER,
  BILLING_ARCHIVE,
  DAILY_DIGEST,
  JobName,
  LOG_CLEANUP,
  SampleConfig,
  sampleConfig,
} from './sample-config.js';

/** Production-like windows: each replica picks its own moment inside the window, so they never wake together. */
const NIGHTLY: Record<JobName, CronWindow> = {
  // Any minute and second of the 03:00 maintenance hour.
  [LOG_CLEANUP]: { cron: '0 3 * * *', jitter: '1h' },
  // Any moment of the first hour after midnight.
  [ANNOUNCEMENT_CLEANUP]: { cron: '0 0 * * *', jitter: '1h' },
  [BILLING_ARCHIVE]: { cron: '0 2 * * *', jitter: '30m' },
  [AUTOMATION_SCHEDULER]: { cron: '* * * * *', jitter: '20s' },
  // 09:00 on each account's own clock (the job is @PerTenant({ localTime: true })), within ten minutes.
  [DAILY_DIGEST]: { cron: '0 9 * * *', jitter: '10m' },
};

/** SAMPLE_FAST=1: the same shapes squeezed into seconds, so a demo or a test sees many occurrences quickly. */
const FAST: Record<JobName, CronWindow> = {
  [LOG_CLEANUP]: { cron: '*/3 * * * * *', jitter: 900 },
  [ANNOUNCEMENT_CLEANUP]: { cron: '*/3 * * * * *', jitter: 900 },
  [BILLING_ARCHIVE]: { cron: '*/3 * * * * *', jitter: 900 },
  [AUTOMATION_SCHEDULER]: { cron: '*/2 * * * * *', jitter: 700 },
  // Every 5 s in the first half of each local hour: accounts in whole-hour zones and accounts in half-hour zones
  // (Asia/Kolkata, America/St_Johns) take turns, half an hour each.
  [DAILY_DIGEST]: { cron: '*/5 0-29 * * * *', jitter: 900 },
};

function everySeconds(period: number, offset: number): string {
  if (period === 1) return '* * * * * *';
  return `${offset === 0 ? '*' : offset}/${period} * * * * *`;
}

export function jobWindow(job: JobName, config: SampleConfig = sampleConfig): CronWindow {
  const window = baseWindow(job, config);
  if (job === DAILY_DIGEST && config.digestCron !== undefined) window.cron = config.digestCron;
  // Recovery settings apply to every job alike, and only when set, so the library's defaults stay visible.
  if (config.crashRecovery !== undefined) window.crashRecovery = config.crashRecovery;
  if (config.catchup !== undefined) window.catchup = config.catchup;
  if (config.catchupWindowMs !== undefined) window.catchupWindow = config.catchupWindowMs;
  // So are the failure policies, which the multi-process tests turn on one at a time.
  if (config.retryAttempts !== undefined) {
    window.retry = { attempts: config.retryAttempts };
    if (config.retryBackoffMs !== undefined) window.retry.backoff = config.retryBackoffMs;
  }
  if (config.overlap !== undefined) window.overlap = config.overlap;
  if (config.pauseOnFailure !== undefined) window.pauseOnFailure = config.pauseOnFailure;
  return window;
}

function baseWindow(job: JobName, config: SampleConfig): CronWindow {
  if (!config.fast) return { ...NIGHTLY[job] };
  if (config.fastPeriodSeconds === undefined) {
    const window = FAST[job];
    return config.fastJitterMs === undefined ? { ...window } : { ...window, jitter: config.fastJitterMs };
  }
  // Half the gap leaves every instance's claim well before the next window opens.
  const jitter = config.fastJitterMs ?? Math.min(900, config.fastPeriodSeconds * 500);
  return { cron: everySeconds(config.fastPeriodSeconds, config.fastOffsetSeconds), jitter };
}
