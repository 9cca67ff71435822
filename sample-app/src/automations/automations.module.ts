import { Module } from '@nestjs/common';
import { AutomationsRepository } from './automations.repository.js';

@Module({
  providers: [AutomationsRepository],
  exports: [AutomationsRepository],
})
export class AutomationsModule {}
