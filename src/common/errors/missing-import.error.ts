import { CoordinatedCronConfigurationError } from './coordinated-cron-configuration.error.js';

/**
 * The app did not import a module the library relies on but must not register itself (nestjs-cls asks libraries
 * not to call `ClsModule.forRoot()`; `ScheduleModule.forRoot()` belongs to the app too).
 */
export class MissingImportError extends CoordinatedCronConfigurationError {
  override readonly name = 'MissingImportError';

  static scheduleModule(): MissingImportError {
    return new MissingImportError(
      'CoordinatedCronModule needs @nestjs/schedule: add ScheduleModule.forRoot() to the imports of your root module.',
    );
  }

  static clsModule(): MissingImportError {
    return new MissingImportError(
      'CoordinatedCronModule needs nestjs-cls: add ClsModule.forRoot({ global: true }) to the imports of your root module.',
    );
  }
}
