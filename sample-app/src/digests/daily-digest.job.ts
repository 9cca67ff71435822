import { Inject, Injectable, Logger } from '@nestjs/common';
import { CoordinatedCron, type CronRun, PerTenant } from 'nestjs-coordinated-cron';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { InvoicesRepository } from '../billing/invoices.repository.js';
import { simulatedWork } from '../common/simulated-work.js';
import { jobWindow } from '../config/job-windows.js';
import { DAILY_DIGEST, SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { JobRunRecorder } from '../job-runs/job-run-recorder.service.js';
import { LogsRepository } from '../logs/logs.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every morning at 09:00 on each account's own clock (the zone in `accounts.time_zone`): a summary of the account's
 * last day. One definition serves every zone; at each instant only the accounts whose clock shows 09:00 run.
 */
@Injectable()
export class DailyDigestJob {
  private readonly logger = new Logger('DailyDigest');

  constructor(
    private readonly logs: LogsRepository,
    private readonly invoices: InvoicesRepository,
    private readonly accounts: AccountsRepository,
    private readonly recorder: JobRunRecorder,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @CoordinatedCron(DAILY_DIGEST, jobWindow(DAILY_DIGEST))
  @PerTenant({ localTime: true })
  async sendDigest(accountId: string, run: CronRun): Promise<void> {
    await this.recorder.record(
      run.context,
      async () => {
        const failure = this.accounts.simulatedFailure(accountId, DAILY_DIGEST, run.try);
        if (failure) throw new Error(failure);
        await simulatedWork(this.config.tenantDelayMs, run.signal);
        const events = this.logs.countSince(accountId, Date.now() - DAY_MS);
        const openInvoices = this.invoices.countOpen(accountId);
        this.logger.log(
          `digest for ${accountId}: ${events} log event(s) in the last day, ${openInvoices} open invoice(s)`,
        );
        return { events, openInvoices };
      },
      ({ events, openInvoices }) => `events=${events} open-invoices=${openInvoices}`,
    );
  }
}
