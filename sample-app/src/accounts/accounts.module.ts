import { Module } from '@nestjs/common';
import { AccountTenantSettings } from './account-tenant-settings';
import { AccountsRepository } from './accounts.repository';

@Module({
  providers: [AccountsRepository, AccountTenantSettings],
  exports: [AccountsRepository, AccountTenantSettings],
})
export class AccountsModule {}
