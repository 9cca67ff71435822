import { Inject, Injectable, Logger } from '@nestjs/common';
import { CoordinatedCron, type CronRun, PerTenant } from 'nestjs-coordinated-cron';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { simulatedWork } from '../common/simulated-work.js';
import { jobWindow } from '../config/job-windows.js';
import { LOG_CLEANUP, SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { JobRunRecorder } from '../job-runs/job-run-recorder.service.js';
import { LogsRepository } from './logs.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Nightly, per account: drops log rows past the account's retention. Accounts can switch it off. */
@Injectable()
export class LogCleanupJob {
  private readonly logger = new Logger('LogCleanup');

  constructor(
    private readonly logs: LogsRepository,
    private readonly accounts: AccountsRepository,
    private readonly recorder: JobRunRecorder,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @CoordinatedCron(LOG_CLEANUP, jobWindow(LOG_CLEANUP))
  @PerTenant()
  async cleanAccount(accountId: string, run: CronRun): Promise<void> {
    await this.recorder.record(
      run.context,
      async () => {
        const failure = this.accounts.simulatedFailure(accountId, LOG_CLEANUP, run.try);
        if (failure) throw new Error(failure);
        await simulatedWork(this.config.tenantDelayMs, run.signal);
        const retentionDays = this.accounts.retentionDays(accountId);
        const deleted = this.logs.deleteOlderThan(accountId, Date.now() - retentionDays * DAY_MS);
        if (deleted > 0) {
          this.logger.log(`deleted ${deleted} log row(s) of ${accountId} older than ${retentionDays} days`);
        }
        return deleted;
      },
      (deleted) => `deleted=${deleted}`,
    );
  }
}
