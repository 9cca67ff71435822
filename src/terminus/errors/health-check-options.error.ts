/** `CoordinatedCronHealthIndicator.isHealthy` was called with options it cannot use; the message says which and why. */
export class HealthCheckOptionsError extends TypeError {
  override readonly name = 'HealthCheckOptionsError';
}
