import { SetMetadata } from '@nestjs/common';
import { PER_TENANT_METADATA } from '../common/constants.js';
import { type PerTenantOptions } from '../interfaces/index.js';

/**
 * Runs a `@CoordinatedCron` job once per enabled tenant of the module's `tenantSettings`, shuffled, with bounded
 * concurrency; the method is then called as `(tenantId, { signal, context })`.
 */
export const PerTenant = (options: PerTenantOptions = {}): MethodDecorator =>
  SetMetadata<string, PerTenantOptions>(PER_TENANT_METADATA, options);
