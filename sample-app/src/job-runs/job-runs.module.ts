import { Global, Module } from '@nestjs/common';
import { JobRunRecorder } from './job-run-recorder.service';

@Global()
@Module({
  providers: [JobRunRecorder],
  exports: [JobRunRecorder],
})
export class JobRunsModule {}
