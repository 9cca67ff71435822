import { Module } from '@nestjs/common';
import { LogsRepository } from './logs.repository';

@Module({
  providers: [LogsRepository],
  exports: [LogsRepository],
})
export class LogsModule {}
