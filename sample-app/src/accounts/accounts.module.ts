import { Module } from '@nestjs/common';
import { AccountTenantSettings } from './account-tenant-settings.js';
import { AccountsRepository } from './accounts.repository.js';

@Module({
  providers: [AccountsRepository, AccountTenantSettings],
  exports: [AccountsRepository, AccountTenantSettings],
})
export class AccountsModule {}
