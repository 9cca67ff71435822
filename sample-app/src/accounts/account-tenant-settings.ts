import { Injectable } from '@nestjs/common';
import type { TenantEntry, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { AccountsRepository } from './accounts.repository.js';

/**
 * Tenants are the active accounts, each with its time zone; each job can be switched off per account in
 * account_job_settings.
 */
@Injectable()
export class AccountTenantSettings implements TenantSettingsProvider {
  constructor(private readonly accounts: AccountsRepository) {}

  // The zone matters to daily-digest only (@PerTenant({ localTime: true })); the other jobs ignore it. The library
  // runs only the accounts whose clock is due: with many accounts, filter by the zones it names in the query
  // instead (listTenants(job, { timeZones }), WHERE time_zone IN (…)).
  listTenants(): TenantEntry[] {
    return this.accounts.activeAccounts();
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
