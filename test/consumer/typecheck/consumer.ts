// Compiled with noEmit under every moduleResolution a consumer may use. The @ts-expect-error lines fail the check
// if the package's types did not resolve (an unresolved import is `any`, and `any` accepts anything).
import {
  CoordinatedCron,
  CoordinatedCronConfigurationError,
  CoordinatedCronModule,
  CoordinatedCronRunner,
  CronContext,
  MemoryLockStore,
  PerTenant,
} from 'nestjs-coordinated-cron';
import type {
  CoordinatedCronModuleOptions,
  CronContextValue,
  CronRun,
  JobRunReport,
  LockStore,
  TenantSettingsProvider,
} from 'nestjs-coordinated-cron';

export class Settings implements TenantSettingsProvider {
  listTenants(): string[] {
    return ['a', 'b'];
  }

  isEnabled(_jobName: string, tenantId: string): boolean {
    return tenantId !== 'b';
  }
}

export class Jobs {
  constructor(
    readonly context: CronContext,
    readonly runner: CoordinatedCronRunner,
  ) {}

  @CoordinatedCron('typecheck-plain', { cron: '0 * * * *', jitter: '5m', timeZone: 'Europe/Berlin' })
  plain({ signal, context }: CronRun): string {
    return `${context.jobName}@${context.occurrence}:${signal.aborted}`;
  }

  @CoordinatedCron('typecheck-tenants', '0 3 * * *')
  @PerTenant({ concurrency: 2, tenantTimeout: '30s' })
  tenant(tenantId: string, run: CronRun): string | undefined {
    return run.context.tenantId ?? tenantId;
  }

  async outcome(): Promise<JobRunReport['outcome']> {
    const report: JobRunReport = await this.runner.trigger('typecheck-plain', { occurrence: new Date(0) });
    const current: CronContextValue | undefined = this.context.get();
    return current ? report.outcome : 'skipped';
  }
}

const lockStore: LockStore = new MemoryLockStore();
const options: CoordinatedCronModuleOptions = { keyPrefix: 'typecheck', tenantSettings: Settings, lockStore };
export const modules = [
  CoordinatedCronModule.forRoot(options),
  CoordinatedCronModule.forRootAsync({ useFactory: () => options }),
];
export const isError: boolean = new CoordinatedCronConfigurationError('typecheck') instanceof Error;

// @ts-expect-error the window argument is required
CoordinatedCron('typecheck-no-window');
// @ts-expect-error outcomes are a closed union
export const wrongOutcome: JobRunReport['outcome'] = 'exploded';
// @ts-expect-error concurrency is a number
PerTenant({ concurrency: 'many' });
