import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { COORDINATED_CRON_METADATA, COORDINATED_CRON_RESOLVED_OPTIONS, PER_TENANT_METADATA } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import type { ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { type CoordinatedCronMetadata } from '../decorators/coordinated-cron.decorator.js';
import { CoordinatedCronConfigurationError } from '../errors/index.js';
import { type PerTenantOptions } from '../interfaces/index.js';
import { type JobDefinition } from '../interfaces/job-definition.interface.js';
import { CoordinatedCronRegistry } from './coordinated-cron.registry.js';
import { assertUniqueNames, buildJobDefinition, type DecoratedMethod } from './job-definition.factory.js';

/**
 * Finds every `@CoordinatedCron` / `@PerTenant` method on the app's providers and controllers at module init,
 * validates it, and hands the definitions to the registry. A bad definition fails the boot.
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
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const jobs: JobDefinition[] = [];
    for (const wrapper of wrappers) {
      for (const found of this.decoratedMethods(wrapper)) {
        jobs.push(buildJobDefinition(found, this.options, now));
      }
    }
    assertUniqueNames(jobs);
    return jobs;
  }

  private decoratedMethods(wrapper: InstanceWrapper): DecoratedMethod[] {
    const metatype = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
    // Factory and value providers have no class of their own to decorate.
    if (!metatype || wrapper.inject || !metatype.prototype) return [];
    const prototype = metatype.prototype as Record<string, unknown>;
    const found: DecoratedMethod[] = [];
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = prototype[methodName] as (...args: unknown[]) => unknown;
      const cron = this.reflector.get<CoordinatedCronMetadata | undefined>(COORDINATED_CRON_METADATA, method);
      const perTenant = this.reflector.get<PerTenantOptions | undefined>(PER_TENANT_METADATA, method);
      if (!cron && !perTenant) continue;
      const className = metatype.name;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new CoordinatedCronConfigurationError(
          messages.requestScopedJob({ className, methodName, jobName: cron?.name }),
        );
      }
      const instance = wrapper.instance as Record<string, unknown>;
      const bound = (instance[methodName] as (...args: unknown[]) => unknown).bind(instance);
      found.push({ className, methodName, handler: bound, cron, perTenant });
    }
    return found;
  }
}
