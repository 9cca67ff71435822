import { Inject, Injectable, Logger } from '@nestjs/common';
import { CoordinatedCron, type CronRun } from 'nestjs-coordinated-cron';
import { simulatedWork } from '../common/simulated-work.js';
import { jobWindow } from '../config/job-windows.js';
import { AUTOMATION_SCHEDULER, SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { JobRunRecorder } from '../job-runs/job-run-recorder.service.js';
import { AutomationsRepository } from './automations.repository.js';

/** Frequent and global: every instance wakes for each window, one of them queues the due automations. */
@Injectable()
export class AutomationSchedulerJob {
  private readonly logger = new Logger('AutomationScheduler');

  constructor(
    private readonly automations: AutomationsRepository,
    private readonly recorder: JobRunRecorder,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @CoordinatedCron(AUTOMATION_SCHEDULER, jobWindow(AUTOMATION_SCHEDULER))
  async queueDueAutomations({ signal, context }: CronRun): Promise<void> {
    const queued = await this.recorder.record(
      context,
      async () => {
        await simulatedWork(this.config.automationWorkMs, signal);
        if (this.config.automationFails) throw new Error('simulated failure: the automations table is unreachable');
        return this.automations.queueDue(Date.now(), context.instanceId);
      },
      (count) => `queued=${count}`,
    );
    if (queued > 0) this.logger.log(`queued ${queued} due automation(s)`);
  }
}
