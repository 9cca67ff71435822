import { type CanActivate, Controller, type DynamicModule, Logger, Module, type Type, UseGuards } from '@nestjs/common';
import { CoordinatedCronConfigurationError } from '../common/errors/index.js';
import { CoordinatedCronAdminController } from './coordinated-cron-admin.controller.js';
import { JsonOnlyGuard } from './json-only.guard.js';

/** Options of `CoordinatedCronAdminModule.forRoot`. */
export interface CoordinatedCronAdminOptions {
  /** Route prefix of the page and the JSON API. Default: `'cron'`. */
  path?: string;
  /** Guards run before every route (authentication, roles). At least one, unless `allowUnauthenticated`. */
  guards: Array<Type<CanActivate>>;
  /** Boot without any guard (a warning is logged). Only for a network nobody else reaches. Default: `false`. */
  allowUnauthenticated?: boolean;
}

/**
 * An operator page and JSON API over `CoordinatedCronRunner`: list, describe, trigger, pause and resume a job or one
 * of its tenants, change its schedule or go back to the code's, retry the tenants that failed. Optional:
 * import it next to `CoordinatedCronModule` (which must be global, its default, or visible to this module).
 */
@Module({})
export class CoordinatedCronAdminModule {
  static forRoot(options: CoordinatedCronAdminOptions): DynamicModule {
    const guards = options?.guards ?? [];
    if (!Array.isArray(guards) || guards.some((guard) => typeof guard !== 'function')) {
      throw new CoordinatedCronConfigurationError(
        'CoordinatedCronAdminModule: guards must be an array of guard classes',
      );
    }
    if (guards.length === 0 && options?.allowUnauthenticated !== true) {
      throw new CoordinatedCronConfigurationError(
        'CoordinatedCronAdminModule refuses to boot without a guard: anyone who reaches the app could trigger and ' +
          'pause jobs. Pass guards: [YourAuthGuard], or allowUnauthenticated: true for a private network.',
      );
    }
    const path = (options.path ?? 'cron').replace(/^\/+|\/+$/g, '');
    if (path === '' || !/^[\w\-/.]+$/.test(path)) {
      throw new CoordinatedCronConfigurationError(
        `CoordinatedCronAdminModule: path ${JSON.stringify(options.path)} is not a plain route path`,
      );
    }

    // A subclass per forRoot carries this call's path and guards; decorating the shared class would leak them into
    // every other mount.
    class AdminController extends CoordinatedCronAdminController {}
    Controller(path)(AdminController);
    if (guards.length > 0) UseGuards(...guards)(AdminController);

    const providers = [JsonOnlyGuard, ...guards];
    if (guards.length === 0) {
      providers.push(unauthenticatedWarning(path));
    }
    return { module: CoordinatedCronAdminModule, controllers: [AdminController], providers };
  }
}

function unauthenticatedWarning(path: string): Type {
  class UnauthenticatedAdminWarning {
    onModuleInit() {
      new Logger('CoordinatedCronAdmin').warn(
        `/${path} is mounted without any guard (allowUnauthenticated: true): anyone who reaches this app can ` +
          'trigger, pause, resume and reschedule jobs',
      );
    }
  }
  return UnauthenticatedAdminWarning;
}
