import { CoordinatedCronConfigurationError } from '../../common/errors/index.js';

/** A `CoordinatedCronModule.forRoot` / `forRootAsync` option of the wrong type or range. */
export class ModuleOptionsError extends CoordinatedCronConfigurationError {
  override readonly name = 'ModuleOptionsError';

  static invalid(option: string, value: unknown, expected: string): ModuleOptionsError {
    return new ModuleOptionsError(
      `CoordinatedCronModule option ${option} ${JSON.stringify(value)} is invalid: expected ${expected}.`,
    );
  }

  static twoStores(): ModuleOptionsError {
    return new ModuleOptionsError(
      'CoordinatedCronModule options redis and postgres are both set, but the locks live in one store. Choose one: ' +
        'keep postgres and remove redis, or the other way round.',
    );
  }

  static invalidConcurrency(value: unknown): ModuleOptionsError {
    return new ModuleOptionsError(
      `CoordinatedCronModule option concurrency ${JSON.stringify(value)} must be a positive integer, e.g. 5.`,
    );
  }

  static invalidTenantTimeout(value: unknown): ModuleOptionsError {
    return new ModuleOptionsError(
      `CoordinatedCronModule option tenantTimeout ${JSON.stringify(value)} is not a duration. Give positive ` +
        "milliseconds or a string such as '30s'.",
    );
  }
}
