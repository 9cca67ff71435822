import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';

/**
 * The HTTP platforms the admin module supports. The in-process specs build an app on each; the e2e specs start the
 * sample app with `SAMPLE_HTTP_ADAPTER=<name>`. One list, so a platform added here is tested everywhere.
 */
export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type HttpAdapterName = (typeof HTTP_ADAPTERS)[number];

/** An initialised app on the named platform, ready for supertest on `app.getHttpServer()`. */
export async function createHttpApp(
  moduleRef: TestingModule,
  adapter: HttpAdapterName,
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  const platform = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = moduleRef.createNestApplication(platform, options);
  await app.init();
  if (app.getHttpAdapter().getType() !== adapter) {
    throw new Error(`asked for a ${adapter} app, got ${app.getHttpAdapter().getType()}`);
  }
  // Fastify serves requests only once its plugins and routes are ready; supertest talks to the bare server.
  if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}
