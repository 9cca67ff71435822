import { Inject, Injectable, Logger } from '@nestjs/common';
import { CoordinatedCron, type CronRun, PerTenant } from 'nestjs-coordinated-cron';
import { ClsService } from 'nestjs-cls';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { simulatedWork } from '../common/simulated-work.js';
import { jobWindow } from '../config/job-windows.js';
import { BILLING_ARCHIVE, SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { FLOW_CLS_KEY, JobRunRecorder } from '../job-runs/job-run-recorder.service.js';
import { InvoicesRepository } from './invoices.repository.js';

/** The business flow name billing code tags its work with; the app logger appends it to every line. */
export const INVOICE_ARCHIVAL_FLOW = 'invoice-archival';

const ARCHIVE_AFTER_MS = 90 * 24 * 60 * 60 * 1000;

/** Per account: archives paid invoices older than 90 days. */
@Injectable()
export class BillingArchiveJob {
  private readonly logger = new Logger('BillingArchive');

  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly accounts: AccountsRepository,
    private readonly recorder: JobRunRecorder,
    private readonly cls: ClsService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @CoordinatedCron(BILLING_ARCHIVE, jobWindow(BILLING_ARCHIVE))
  @PerTenant()
  async archiveAccount(accountId: string, run: CronRun): Promise<void> {
    // Each tenant call has its own CLS child context, so this value cannot leak into another account's lines.
    this.cls.set(FLOW_CLS_KEY, INVOICE_ARCHIVAL_FLOW);
    await this.recorder.record(
      run.context,
      async () => {
        this.logger.debug(`archiving paid invoices of ${accountId} older than 90 days`);
        const failure = this.accounts.simulatedFailure(accountId, BILLING_ARCHIVE, run.try);
        if (failure) throw new Error(failure);
        await simulatedWork(this.config.tenantDelayMs, run.signal);
        const now = Date.now();
        const archived = this.invoices.archivePaidIssuedBefore(accountId, now - ARCHIVE_AFTER_MS, now);
        if (archived > 0) this.logger.log(`archived ${archived} paid invoice(s) of ${accountId}`);
        else this.logger.debug(`nothing to archive for ${accountId}`);
        return archived;
      },
      (archived) => `archived=${archived}`,
    );
  }
}
