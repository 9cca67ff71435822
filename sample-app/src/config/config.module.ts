import { Global, Module } from '@nestjs/common';
import { SAMPLE_CONFIG, sampleConfig } from './sample-config';

@Global()
@Module({
  providers: [{ provide: SAMPLE_CONFIG, useValue: sampleConfig }],
  exports: [SAMPLE_CONFIG],
})
export class SampleConfigModule {}
