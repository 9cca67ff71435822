import { CoordinatedCronConfigurationError } from '../../common/errors/index.js';

/** The `tenantSettings` class could not be built by Nest at boot. */
export class TenantSettingsUnavailableError extends CoordinatedCronConfigurationError {
  override readonly name = 'TenantSettingsUnavailableError';

  constructor(className: string, reason: string) {
    super(
      `CoordinatedCronModule could not instantiate tenantSettings ${className}: ${reason}. Register it as a ` +
        'provider, or make its dependencies available (global modules, or the imports of forRootAsync).',
    );
  }
}
