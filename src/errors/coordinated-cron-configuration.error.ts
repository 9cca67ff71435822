/**
 * Thrown at boot for invalid module options or job definitions. Its message names the job and the fix.
 */
export class CoordinatedCronConfigurationError extends Error {
  override readonly name = 'CoordinatedCronConfigurationError';
}
