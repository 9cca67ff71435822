import { Module } from '@nestjs/common';
import { LogsRepository } from './logs.repository.js';

@Module({
  providers: [LogsRepository],
  exports: [LogsRepository],
})
export class LogsModule {}
