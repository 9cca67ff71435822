import { Global, Module } from '@nestjs/common';
import { SAMPLE_CONFIG, sampleConfig } from './sample-config.js';

@Global()
@Module({
  providers: [{ provide: SAMPLE_CONFIG, useValue: sampleConfig }],
  exports: [SAMPLE_CONFIG],
})
export class SampleConfigModule {}
