import { ConsoleLogger, ConsoleLoggerOptions } from '@nestjs/common';
import type { CronContextValue } from 'nestjs-coordinated-cron';
import { ClsServiceManager } from 'nestjs-cls';
import { FLOW_CLS_KEY } from '../job-runs/job-run-recorder.service.js';

const LIBRARY_CONTEXT = 'CoordinatedCron';

/**
 * The app's logger, the way a multi-tenant backend would tag lines: anything written inside a job run gets the
 * run's identity and the CLS `flow`, without the job code passing them around. The library's own lines are left as
 * written (they carry their identity themselves); they only gain `flow=` when one is set.
 */
export class SampleLogger extends ConsoleLogger {
  private readCronContext: () => CronContextValue | undefined = () => undefined;

  constructor(options: ConsoleLoggerOptions) {
    super(options);
  }

  /** Called once the app exists: the run identity lives in a provider of the library. */
  useCronContext(read: () => CronContextValue | undefined): void {
    this.readCronContext = read;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    super.log(this.tag(message, rest), ...rest);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    super.error(this.tag(message, rest), ...rest);
  }
  override warn(message: unknown, ...rest: unknown[]): void {
    super.warn(this.tag(message, rest), ...rest);
  }
  override debug(message: unknown, ...rest: unknown[]): void {
    super.debug(this.tag(message, rest), ...rest);
  }
  override verbose(message: unknown, ...rest: unknown[]): void {
    super.verbose(this.tag(message, rest), ...rest);
  }
  override fatal(message: unknown, ...rest: unknown[]): void {
    super.fatal(this.tag(message, rest), ...rest);
  }

  private tag(message: unknown, rest: unknown[]): unknown {
    if (typeof message !== 'string') return message;
    const context = rest.length > 0 ? rest[rest.length - 1] : this.context;
    const tokens: string[] = [];
    if (context !== LIBRARY_CONTEXT && !message.includes('job=')) {
      const run = this.safely(() => this.readCronContext());
      if (run) {
        tokens.push(`job=${run.jobName}`, `run=${run.runId}`);
        if (run.tenantId !== undefined) tokens.push(`tenant=${run.tenantId}`);
      }
    }
    const flow = this.safely(() => {
      const cls = ClsServiceManager.getClsService();
      return cls.isActive() ? (cls.get(FLOW_CLS_KEY) as string | undefined) : undefined;
    });
    if (flow !== undefined && !message.includes('flow=')) tokens.push(`flow=${flow}`);
    if (tokens.length === 0) return message;
    // Identity first, like the library's lines; the flow goes last.
    const identity = tokens.filter((token) => !token.startsWith('flow='));
    const trailer = tokens.filter((token) => token.startsWith('flow='));
    return [...identity, message, ...trailer].join(' ');
  }

  // A logger must never be the reason a line is lost.
  private safely<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch {
      return undefined;
    }
  }
}
