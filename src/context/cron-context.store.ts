import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { CRON_CONTEXT_CLS_KEY } from '../common/constants.js';
import { MissingImportError } from '../common/errors/index.js';
import { withField } from '../common/with-field.js';
import { type CronContextValue } from '../interfaces/index.js';

/**
 * Keeps the job identity in nestjs-cls. The app registers `ClsModule.forRoot({ global: true })` itself, as
 * nestjs-cls asks of libraries; without it the boot fails here with a message that says so.
 */
@Injectable()
export class CronContextStore implements OnModuleInit {
  constructor(@Optional() private readonly cls?: ClsService) {}

  onModuleInit(): void {
    if (!this.cls) throw MissingImportError.clsModule();
  }

  /** Runs `work` in a fresh context holding `value`; a surrounding request context is not inherited. */
  run<T>(value: CronContextValue, work: () => Promise<T>): Promise<T> {
    const cls = this.cls as ClsService;
    return cls.run({ ifNested: 'override' }, () => {
      cls.set(CRON_CONTEXT_CLS_KEY, value);
      return work();
    });
  }

  /** Runs `work` in a child of the current context (what the app set for the run stays visible) holding `value`. */
  runChild<T>(value: CronContextValue, work: () => T): T {
    const cls = this.cls as ClsService;
    // What `run({ ifNested: 'inherit' })` and `set()` do, in one step: a fan-out calls this once per tenant, and the
    // two calls cost an options object and a key split per tenant.
    const inherited = cls.isActive() ? (cls.get() as Record<PropertyKey, unknown>) : {};
    const store = withField(inherited, CRON_CONTEXT_CLS_KEY, value);
    return cls.runWith(store as Parameters<ClsService['runWith']>[0], work);
  }

  get(): CronContextValue | undefined {
    const cls = this.cls;
    return cls?.isActive() ? cls.get<CronContextValue | undefined>(CRON_CONTEXT_CLS_KEY) : undefined;
  }
}
