import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  Injectable,
  Module,
  UnauthorizedException,
} from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import request from 'supertest';
import {
  CoordinatedCron,
  CoordinatedCronAdminModule,
  type CoordinatedCronAdminOptions,
  CoordinatedCronConfigurationError,
  CoordinatedCronModule,
  type JobDescription,
} from '../../src/index.js';
import { CapturingLogger } from '../support/app.js';
import { createHttpApp, HTTP_ADAPTERS, type HttpAdapterName } from '../support/http-adapters.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';

@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers.authorization;
    if (header === 'Bearer letmein') return true;
    throw new UnauthorizedException();
  }
}

/** Reads `?token=`, the way an app guards a page it opens in a browser. */
@Injectable()
class QueryTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<{ query: Record<string, unknown> }>().query;
    if (query.token === 'letmein') return true;
    throw new UnauthorizedException();
  }
}

let ran = 0;
@Injectable()
class Jobs {
  @CoordinatedCron('report', { cron: '0 6 * * *', timeZone: 'Europe/Berlin' })
  run() {
    ran += 1;
  }
}

const apps: INestApplication[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

async function boot(adapter: HttpAdapterName, admin: CoordinatedCronAdminOptions, logger = new CapturingLogger()) {
  const prefix = uniquePrefix('admin');
  prefixes.push(prefix);
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      ClsModule.forRoot({ global: true }),
      CoordinatedCronModule.forRoot({ keyPrefix: prefix, instanceId: 'web-1', redis: await redisClient() }),
      CoordinatedCronAdminModule.forRoot(admin),
    ],
    providers: [Jobs],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(logger)
    .compile();
  const app = await createHttpApp(moduleRef, adapter, { logger });
  apps.push(app);
  return { http: app.getHttpServer(), logger };
}

const clients: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
async function redisClient() {
  const { connectRedis } = await import('../support/redis.js');
  const client = await connectRedis();
  clients.push(client);
  return client as never;
}

const auth = { Authorization: 'Bearer letmein' };

describe('CoordinatedCronAdminModule: boot', () => {
  it('refuses to boot without a guard', () => {
    expect(() => CoordinatedCronAdminModule.forRoot({ guards: [] })).toThrow(CoordinatedCronConfigurationError);
    expect(() => CoordinatedCronAdminModule.forRoot({} as CoordinatedCronAdminOptions)).toThrow(/refuses to boot/);
  });

  it('rejects a path that is not a plain route', () => {
    expect(() => CoordinatedCronAdminModule.forRoot({ path: '', guards: [TokenGuard] })).toThrow(/path/);
    expect(() => CoordinatedCronAdminModule.forRoot({ path: 'a b?', guards: [TokenGuard] })).toThrow(/path/);
  });
});

describe.each(HTTP_ADAPTERS)('CoordinatedCronAdminModule on %s', (adapter) => {
  it('boots without a guard only with allowUnauthenticated, and warns', async () => {
    const { http, logger } = await boot(adapter, { guards: [], allowUnauthenticated: true });
    expect(logger.matching(/mounted without any guard/)).toHaveLength(1);
    await request(http).get('/cron/jobs').expect(200);
  });

  describe('JSON API', () => {
    it('runs every route behind the guards', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      await request(http).get('/cron').expect(401);
      await request(http).get('/cron/jobs').expect(401);
      await request(http)
        .post('/cron/jobs/report/trigger')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(401);
    });

    it('lets a guard read the token query parameter, as the page is opened in a browser', async () => {
      const { http } = await boot(adapter, { guards: [QueryTokenGuard] });
      const page = await request(http).get('/cron?token=letmein').expect(200);
      expect(page.text).toMatch(/^<!doctype html>/);
      await request(http).get('/cron?token=guess').expect(401);
      await request(http).get('/cron/jobs/report').query({ token: 'letmein' }).expect(200);
      const report = await request(http)
        .post('/cron/jobs/report/trigger?token=letmein')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(200);
      expect(report.body).toMatchObject({ jobName: 'report', outcome: 'completed' });
    });

    it('lists and describes jobs; unknown job is 404 with nothing else in the message', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard], path: '/ops/cron/' });
      const list = await request(http).get('/ops/cron/jobs').set(auth).expect(200);
      expect((list.body as JobDescription[]).map((job) => job.name)).toEqual(['report']);
      const one = await request(http).get('/ops/cron/jobs/report').set(auth).expect(200);
      expect(one.body).toMatchObject({
        name: 'report',
        cron: '0 6 * * *',
        timeZone: 'Europe/Berlin',
        perTenant: false,
      });
      expect((one.body as JobDescription).nextOccurrences).toHaveLength(5);
      const missing = await request(http).get('/ops/cron/jobs/secret-job').set(auth).expect(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'no job named "secret-job"' });
      await request(http)
        .post('/ops/cron/jobs/secret-job/pause')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(404);
    });

    it('pauses with a reason and until, resumes, and triggers (paused or not)', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const paused = await request(http)
        .post('/cron/jobs/report/pause')
        .set(auth)
        .send({ reason: 'quarter close', until: '2h' })
        .expect(200);
      expect((paused.body as JobDescription).paused).toMatchObject({ reason: 'quarter close', by: 'web-1' });
      expect(Date.parse((paused.body as JobDescription).paused!.until!)).toBeGreaterThan(Date.now() + 7_000_000);

      const before = ran;
      const report = await request(http).post('/cron/jobs/report/trigger').set(auth).send({}).expect(200);
      expect(report.body).toMatchObject({ jobName: 'report', outcome: 'completed', instanceId: 'web-1' });
      expect(ran).toBe(before + 1);

      const resumed = await request(http).post('/cron/jobs/report/resume').set(auth).send({}).expect(200);
      expect((resumed.body as JobDescription).paused).toBeUndefined();
      expect((resumed.body as JobDescription).recent[0]).toMatchObject({ outcome: 'completed' });
    });

    it('accepts mutations only as application/json (415), so a cross-site form cannot send one', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const notJson: Array<(post: request.Test) => request.Test> = [
        (post) => post.type('form').send({ reason: 'x' }),
        (post) => post.set('Content-Type', 'text/plain').send('{}'),
        (post) => post,
        // Types the platform has no parser for: Express reaches the guard, Fastify refuses before it; 415 either way.
        (post) => post.field('reason', 'x'),
        (post) => post.set('Content-Type', 'application/xml').send('<reason>x</reason>'),
      ];
      for (const action of ['trigger', 'pause', 'resume']) {
        for (const send of notJson) {
          await send(request(http).post(`/cron/jobs/report/${action}`).set(auth)).expect(415);
        }
      }
      const after = await request(http).get('/cron/jobs/report').set(auth).expect(200);
      expect((after.body as JobDescription).paused).toBeUndefined();
    });

    it('grants no CORS: a preflight gets no Access-Control-Allow-Origin', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const preflight = await request(http)
        .options('/cron/jobs/report/trigger')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers 400 with a message for a bad body or until', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const cases: Array<[unknown, RegExp]> = [
        [[1, 2], /JSON object/],
        [{ reason: 5 }, /reason must be a string/],
        [{ until: 7 }, /until must be/],
        [{ until: 'someday' }, /neither a date nor a duration/],
        [{ until: '2020-01-01T00:00:00Z' }, /future/],
        [{ reason: 'x'.repeat(501) }, /at most 500/],
        [{ reason: 'ok', extra: true }, /unknown field\(s\): extra/],
      ];
      for (const [body, message] of cases) {
        const response = await request(http)
          .post('/cron/jobs/report/pause')
          .set(auth)
          .send(body as object)
          .expect(400);
        expect((response.body as { message: string }).message).toMatch(message);
      }
      const broken = await request(http)
        .post('/cron/jobs/report/pause')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"reason": ');
      expect(broken.status).toBe(400);
      expect(JSON.stringify(broken.body)).not.toMatch(/node_modules|at \w+ \(/);
    });
  });

  describe('page', () => {
    it('serves one self-contained page with a strict CSP: no external script, style or font', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const page = await request(http).get('/cron').set(auth).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      const html = page.text;
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).not.toMatch(
        /<script[^>]+src=|<link[^>]+href=(?!"data:)|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      );
      expect(html).toMatch(/<style>/);
      expect(html).toMatch(/createElementNS\(SVG/);
    });
  });
});
