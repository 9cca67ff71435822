import { Injectable } from '@nestjs/common';
import type { TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { AccountsRepository } from './accounts.repository.js';

/** Tenants are the active accounts; each job can be switched off per account in account_job_settings. */
@Injectable()
export class AccountTenantSettings implements TenantSettingsProvider {
  constructor(private readonly accounts: AccountsRepository) {}

  listTenants(): string[] {
    return this.accounts.activeAccountIds();
  }

  isEnabled(jobName: string, tenantId: string): boolean {
    return this.accounts.setting(tenantId, jobName).enabled;
  }

  // One query per run instead of one per account: what matters with thousands of accounts.
  async filterEnabled(jobName: string, tenantIds: string[]): Promise<string[]> {
    const disabled = this.accounts.disabledFor(jobName);
    return tenantIds.filter((id) => !disabled.has(id));
  }
}
