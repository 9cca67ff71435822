import { Global, Module } from '@nestjs/common';
import { JobRunRecorder } from './job-run-recorder.service.js';

@Global()
@Module({
  providers: [JobRunRecorder],
  exports: [JobRunRecorder],
})
export class JobRunsModule {}
