import { Inject, Injectable } from '@nestjs/common';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { DatabaseService } from '../database/database.service.js';

export interface AccountJobSetting {
  enabled: boolean;
  failWith: string | null;
}

@Injectable()
export class AccountsRepository {
  constructor(
    private readonly database: DatabaseService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  /** Each active account with its zone (`undefined`: none set, the job's default applies). */
  activeAccounts(): Array<{ id: string; timeZone?: string }> {
    const rows = this.database.db
      .prepare('SELECT id, time_zone AS timeZone FROM accounts WHERE active = 1 ORDER BY id')
      .all() as Array<{ id: string; timeZone: string | null }>;
    return rows.map(({ id, timeZone }) => (timeZone === null ? { id } : { id, timeZone }));
  }

  /** Accounts with the job switched off; an account without a settings row has it on. */
  disabledFor(jobName: string): Set<string> {
    const rows = this.database.db
      .prepare('SELECT account_id FROM account_job_settings WHERE job_name = ? AND enabled = 0')
      .pluck()
      .all(jobName) as string[];
    return new Set(rows);
  }

  setting(accountId: string, jobName: string): AccountJobSetting {
    const row = this.database.db
      .prepare('SELECT enabled, fail_with AS failWith FROM account_job_settings WHERE account_id = ? AND job_name = ?')
      .get(accountId, jobName) as { enabled: number; failWith: string | null } | undefined;
    return { enabled: row ? row.enabled === 1 : true, failWith: row?.failWith ?? null };
  }

  /**
   * The error call `tryNumber` of `job` for the account is set up to fail with: its seeded setting fails every call
   * (SAMPLE_FAIL), SAMPLE_FAIL_FIRST_TRY the first call of each occurrence only. `null`: the call goes through.
   */
  simulatedFailure(accountId: string, jobName: string, tryNumber: number): string | null {
    const { failWith } = this.setting(accountId, jobName);
    if (failWith) return failWith;
    const failsFirst = this.config.firstTryFailures.some(
      (failure) => failure.accountId === accountId && (failure.job === undefined || failure.job === jobName),
    );
    return failsFirst && tryNumber === 1 ? `simulated first-try failure of ${accountId} in ${jobName}` : null;
  }

  retentionDays(accountId: string): number {
    const days = this.database.db
      .prepare('SELECT log_retention_days FROM accounts WHERE id = ?')
      .pluck()
      .get(accountId) as number | undefined;
    if (days === undefined) throw new Error(`account ${accountId} does not exist`);
    return days;
  }
}
