/** A tenant's handler did not settle within its `tenantTimeout`. */
export class TenantTimeoutError extends Error {
  override readonly name = 'TenantTimeoutError';
}
