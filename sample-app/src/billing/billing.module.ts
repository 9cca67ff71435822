import { Module } from '@nestjs/common';
import { InvoicesRepository } from './invoices.repository.js';

@Module({
  providers: [InvoicesRepository],
  exports: [InvoicesRepository],
})
export class BillingModule {}
