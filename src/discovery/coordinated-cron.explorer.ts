import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { type InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import {
  COORDINATED_CRON_METADATA,
  COORDINATED_CRON_RESOLVED_OPTIONS,
  PER_TENANT_METADATA,
} from '../common/constants.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { JobDefinitionError } from '../definition/errors/job-definition.error.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { assertUniqueNames, buildJobDefinition, type DecoratedMethod } from '../definition/job-definition.factory.js';
import { type CoordinatedCronMetadata, type PerTenantOptions } from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * Finds every `@CoordinatedCron` / `@PerTenant` method on the app's providers and controllers at module init, and
 * hands the validated definitions to the registry. It only finds: the rules live in `buildJobDefinition`, the
 * timers in the scheduler. Class, factory (`useFactory`) and value (`useValue`) providers are all searched, by the
 * class of the instance they produce; a bad definition fails the boot.
 */
@Injectable()
export class CoordinatedCronExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: CoordinatedCronRegistry,
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.explore());
  }

  explore(): JobDefinition[] {
    const now = new Date();
    const jobs: JobDefinition[] = [];
    // One instance may stand behind several providers (a class and an alias or a value of it): its jobs count once.
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      for (const found of this.decoratedMethods(wrapper, seen)) jobs.push(buildJobDefinition(found, this.options, now));
    }
    assertUniqueNames(jobs);
    return jobs;
  }

  private decoratedMethods(wrapper: InstanceWrapper, seen: Set<object>): DecoratedMethod[] {
    if (wrapper.isAlias) return [];
    if (!wrapper.isDependencyTreeStatic()) {
      // No instance exists outside a request; a decorated method here is a boot error, not a silent skip.
      const metatype = wrapper.metatype as { prototype?: object; name?: string } | null;
      const prototype = wrapper.inject ? undefined : metatype?.prototype;
      const first = prototype ? this.scan(prototype)[0] : undefined;
      if (first) {
        throw JobDefinitionError.requestScoped({
          className: metatype?.name ?? String(wrapper.name),
          methodName: first.methodName,
          jobName: first.cron?.name,
        });
      }
      return [];
    }
    const instance = wrapper.instance as Record<string, unknown> | null | undefined;
    if (!instance || typeof instance !== 'object' || seen.has(instance)) return [];
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (!prototype || prototype === Object.prototype) return [];
    const found = this.scan(prototype);
    if (found.length === 0) return [];
    seen.add(instance);
    const className = (instance.constructor as { name?: string } | undefined)?.name || String(wrapper.name);
    return found.map(({ methodName, cron, perTenant }) => ({
      className,
      methodName,
      handler: (instance[methodName] as AnyMethod).bind(instance),
      cron,
      perTenant,
    }));
  }

  private scan(
    prototype: object,
  ): Array<{ methodName: string; cron?: CoordinatedCronMetadata; perTenant?: PerTenantOptions }> {
    const found: Array<{ methodName: string; cron?: CoordinatedCronMetadata; perTenant?: PerTenantOptions }> = [];
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName] as AnyMethod;
      const cron = this.reflector.get<CoordinatedCronMetadata | undefined>(COORDINATED_CRON_METADATA, method);
      const perTenant = this.reflector.get<PerTenantOptions | undefined>(PER_TENANT_METADATA, method);
      if (cron || perTenant) found.push({ methodName, cron, perTenant });
    }
    return found;
  }
}
