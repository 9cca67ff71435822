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
  CoordinatedCronRunner,
  type JobDescription,
  type JobRunReport,
  PerTenant,
} from '../../src/index.js';
import { CapturingLogger } from '../support/app.js';
import { createHttpApp, HTTP_ADAPTERS, type HttpAdapterName } from '../support/http-adapters.js';
import { CoordinatedCronScheduler } from '../support/internals.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { staticTenants } from '../support/tenants.js';

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

/** One tenant always fails; one id needs escaping in a URL and in HTML alike. */
const ODD_TENANT = 'team a/b <i>&"';
const TENANTS = ['acct-1', 'acct-2', 'acct-bad', ODD_TENANT];
const tenantCalls: string[] = [];
@Injectable()
class TenantJobs {
  @CoordinatedCron('tenant-sync', '0 0 1 1 *')
  @PerTenant()
  sync(tenantId: string) {
    tenantCalls.push(tenantId);
    if (tenantId === 'acct-bad') throw new Error('acct-bad has no billing address');
  }

  // Read in each tenant's zone: describe() lists its next instants with the zones due at each.
  @CoordinatedCron('local-digest', '0 9 * * *')
  @PerTenant({ localTime: true })
  digest() {}
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
      CoordinatedCronModule.forRoot({
        keyPrefix: prefix,
        instanceId: 'web-1',
        redis: await redisClient(),
        tenantSettings: staticTenants(TENANTS),
      }),
      CoordinatedCronAdminModule.forRoot(admin),
    ],
    providers: [Jobs, TenantJobs],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(logger)
    .compile();
  const app = await createHttpApp(moduleRef, adapter, { logger });
  apps.push(app);
  // The boot reads each job's schedule and ledger after init; a run triggered before that could meet a catch-up.
  await app.get(CoordinatedCronScheduler, { strict: false }).whenBooted();
  return { http: app.getHttpServer(), logger, runner: app.get(CoordinatedCronRunner) };
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
      expect((list.body as JobDescription[]).map((job) => job.name).sort()).toEqual([
        'local-digest',
        'report',
        'tenant-sync',
      ]);
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

  describe('tenant pause and resume', () => {
    const tenantPath = (tenantId: string, action: string, job = 'tenant-sync') =>
      `/cron/jobs/${encodeURIComponent(job)}/tenants/${encodeURIComponent(tenantId)}/${action}`;

    it('pauses the tenant the URL names, with a reason and until, fleet-wide, and resumes it', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const paused = await request(http)
        .post(tenantPath(ODD_TENANT, 'pause'))
        .set(auth)
        .send({ reason: 'billing dispute', until: '2h' })
        .expect(200);
      const answered = (paused.body as JobDescription).pausedTenants!;
      expect(answered.total).toBe(1);
      expect(answered.tenants[0]).toMatchObject({ tenantId: ODD_TENANT, reason: 'billing dispute', by: 'web-1' });
      expect(Date.parse(answered.tenants[0].until!)).toBeGreaterThan(Date.now() + 7_000_000);
      // The store holds the pause: what the runner reads, and what a run obeys.
      expect((await runner.describe('tenant-sync')).pausedTenants).toEqual(answered);
      const run = await runner.trigger('tenant-sync');
      expect(run.tenants!.paused).toEqual([ODD_TENANT]);
      expect(run.tenants!.succeeded.sort()).toEqual(['acct-1', 'acct-2']);

      // A second tenant, by its own id: each pause is its tenant's.
      await request(http).post(tenantPath('acct-2', 'pause')).set(auth).send({}).expect(200);
      const both = (await runner.describe('tenant-sync')).pausedTenants!;
      expect(both.tenants.map((pause) => pause.tenantId).sort()).toEqual(['acct-2', ODD_TENANT].sort());
      expect(both.tenants.find((pause) => pause.tenantId === 'acct-2')!.reason).toBeUndefined();

      const resumed = await request(http).post(tenantPath(ODD_TENANT, 'resume')).set(auth).send({}).expect(200);
      expect((resumed.body as JobDescription).pausedTenants).toMatchObject({
        total: 1,
        tenants: [{ tenantId: 'acct-2' }],
      });
      expect((await runner.describe('tenant-sync')).pausedTenants!.tenants.map((p) => p.tenantId)).toEqual(['acct-2']);
    });

    it('answers 400 for a bad body or a plain job, 404 for an unknown job, 415 for a body that is not JSON', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const bad: Array<[string, unknown, RegExp]> = [
        [tenantPath('acct-1', 'pause'), { reason: 5 }, /reason must be a string/],
        [tenantPath('acct-1', 'pause'), { until: 'someday' }, /neither a date nor a duration/],
        [tenantPath('acct-1', 'pause'), { until: '2020-01-01T00:00:00Z' }, /future/],
        [tenantPath('acct-1', 'pause'), { tenantId: 'acct-2' }, /unknown field\(s\): tenantId/],
        [tenantPath('acct-1', 'pause'), [1], /JSON object/],
        [tenantPath('acct-1', 'pause', 'report'), {}, /not a @PerTenant\(\) job; pause the whole job instead/],
        [tenantPath('acct-1', 'resume', 'report'), {}, /not a @PerTenant\(\) job/],
      ];
      for (const [path, body, message] of bad) {
        const response = await request(http)
          .post(path)
          .set(auth)
          .send(body as object)
          .expect(400);
        expect((response.body as { message: string }).message).toMatch(message);
      }
      const missing = await request(http)
        .post(tenantPath('acct-1', 'pause', 'no-such-job'))
        .set(auth)
        .send({});
      expect(missing.status).toBe(404);
      expect((missing.body as { message: string }).message).toBe('no job named "no-such-job"');
      await request(http)
        .post(tenantPath('acct-1', 'resume', 'no-such-job'))
        .set(auth)
        .send({})
        .expect(404);
      for (const action of ['pause', 'resume']) {
        await request(http).post(tenantPath('acct-1', action)).set(auth).type('form').send({ reason: 'x' }).expect(415);
        await request(http)
          .post(tenantPath('acct-1', action))
          .set(auth)
          .set('Content-Type', 'text/plain')
          .send('{}')
          .expect(415);
      }
      await request(http).post(tenantPath('acct-1', 'pause')).send({}).expect(401);
      expect((await runner.describe('tenant-sync')).pausedTenants).toEqual({ total: 0, tenants: [] });
    });
  });

  describe('schedule', () => {
    const override = { cron: '15 4 * * *', jitter: '1m', timeZone: 'Asia/Kolkata', reason: 'month end' };

    it('puts a schedule in force fleet-wide and goes back to the code with { "reset": true }', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const changed = await request(http).post('/cron/jobs/report/schedule').set(auth).send(override).expect(200);
      const expected = { ...override, jitterMs: 60_000, source: 'override', by: 'web-1' };
      delete (expected as { jitter?: string }).jitter;
      expect((changed.body as JobDescription).schedule).toMatchObject(expected);
      expect((changed.body as JobDescription).cron).toBe('15 4 * * *');
      // The store holds it, and this instance's timer follows it.
      expect((await runner.describe('report')).schedule).toMatchObject(expected);
      expect(runner.jobs().find((job) => job.name === 'report')).toMatchObject({
        cron: '15 4 * * *',
        jitterMs: 60_000,
      });

      // A change replaces the one before as a whole: what it leaves out is as the code says.
      const second = await request(http)
        .post('/cron/jobs/report/schedule')
        .set(auth)
        .send({ jitter: '5m' })
        .expect(200);
      expect((second.body as JobDescription).schedule).toEqual({
        cron: '0 6 * * *',
        jitterMs: 300_000,
        timeZone: 'Europe/Berlin',
        source: 'override',
        by: 'web-1',
        at: expect.any(String),
      });

      const reset = await request(http).post('/cron/jobs/report/schedule').set(auth).send({ reset: true }).expect(200);
      const code = { cron: '0 6 * * *', jitterMs: 0, timeZone: 'Europe/Berlin', source: 'code' };
      expect((reset.body as JobDescription).schedule).toEqual(code);
      expect((await runner.describe('report')).schedule).toEqual(code);
    });

    it('takes a bare JSON null as a reset where the platform hands it over (Fastify; Express refuses it, 400)', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      await request(http).post('/cron/jobs/report/schedule').set(auth).send(override).expect(200);
      const response = await request(http)
        .post('/cron/jobs/report/schedule')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('null');
      if (adapter === 'fastify') {
        expect(response.status).toBe(200);
        expect((await runner.describe('report')).schedule.source).toBe('code');
      } else {
        // Express's JSON parser is strict by default: only an object or an array reaches a route.
        expect(response.status).toBe(400);
        expect((response.body as { message: string }).message).toMatch(/"null" is not valid JSON/);
        expect((await runner.describe('report')).schedule.source).toBe('override');
      }
    });

    it('answers 400 with the reason for a bad schedule and stores nothing, 404 for an unknown job, 415 for not JSON', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const bad: Array<[unknown, RegExp]> = [
        [{ cron: 'every tuesday' }, /reschedule\("report"\): invalid cron "every tuesday"/],
        [{ timeZone: 'Mars/Olympus_Mons' }, /"Mars\/Olympus_Mons" is not an IANA time zone/],
        [{ jitter: '25h' }, /not shorter than the 86400000ms between two ticks/],
        [{ jitter: 'soon' }, /jitter "soon" is neither ms nor a duration/],
        [{ jitter: true }, /jitter must be milliseconds or a duration/],
        [{ cron: 5 }, /cron must be a string/],
        [{ reason: 'only a reason' }, /give a cron, a jitter or a timeZone/],
        [{}, /give a cron, a jitter or a timeZone/],
        [{ reset: false }, /reset takes the value true and no other field/],
        [{ reset: true, cron: '0 7 * * *' }, /reset takes the value true and no other field/],
        [{ cron: '0 7 * * *', zone: 'UTC' }, /unknown field\(s\): zone/],
        [['0 7 * * *'], /the body must be a JSON object/],
      ];
      for (const [body, message] of bad) {
        const response = await request(http)
          .post('/cron/jobs/report/schedule')
          .set(auth)
          .send(body as object);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect((response.body as { message: string }).message).toMatch(message);
      }
      expect((await runner.describe('report')).schedule).toMatchObject({ cron: '0 6 * * *', source: 'code' });

      const missing = await request(http).post('/cron/jobs/no-such-job/schedule').set(auth).send({ cron: '0 7 * * *' });
      expect(missing.status).toBe(404);
      expect((missing.body as { message: string }).message).toBe('no job named "no-such-job"');
      await request(http)
        .post('/cron/jobs/report/schedule')
        .set(auth)
        .type('form')
        .send({ cron: '0 7 * * *' })
        .expect(415);
      await request(http)
        .post('/cron/jobs/report/schedule')
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ reset: true }))
        .expect(415);
      await request(http).post('/cron/jobs/report/schedule').send({ cron: '0 7 * * *' }).expect(401);
      expect((await runner.describe('report')).schedule.source).toBe('code');
    });

    it('describes a local-time job with its next instants and the zones due at each', async () => {
      const { http } = await boot(adapter, { guards: [TokenGuard] });
      const job = (await request(http).get('/cron/jobs/local-digest').set(auth).expect(200)).body as JobDescription;
      expect(job.localTime).toBe(true);
      expect(job.nextTicks).toHaveLength(5);
      expect(job.nextTicks![0].timeZones.length).toBeGreaterThan(0);
    });
  });

  describe('retry failed tenants', () => {
    it('runs again only the tenants that failed in the occurrence, once, as a run with retryOf', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const first = await runner.trigger('tenant-sync');
      expect(first.tenants!.failed.map((f) => f.tenantId)).toEqual(['acct-bad']);
      expect((await runner.describe('tenant-sync')).failedTenants).toEqual({ occurrence: first.occurrence, count: 1 });

      tenantCalls.length = 0;
      const retried = await request(http)
        .post('/cron/jobs/tenant-sync/retry-failed')
        .set(auth)
        .send({ occurrence: first.occurrence })
        .expect(200);
      const report = retried.body as JobRunReport;
      expect(report).toMatchObject({ jobName: 'tenant-sync', retryOf: first.occurrence, occurrence: first.occurrence });
      expect(report.tenants!.failed.map((f) => f.tenantId)).toEqual(['acct-bad']);
      expect(report.tenants!.succeeded).toEqual([]);
      expect(tenantCalls).toEqual(['acct-bad']);
      // The run is in the history, and the failure stays recorded for another retry: {} picks the newest.
      expect((await runner.describe('tenant-sync')).recent[0]).toMatchObject({
        runId: report.runId,
        retryOf: first.occurrence,
      });
      const again = await request(http).post('/cron/jobs/tenant-sync/retry-failed').set(auth).send({}).expect(200);
      expect((again.body as JobRunReport).retryOf).toBe(first.occurrence);
      expect(tenantCalls).toEqual(['acct-bad', 'acct-bad']);
    });

    it('answers 400 when nothing failed there or for a bad occurrence, 404 for an unknown job, 415 for not JSON', async () => {
      const { http, runner } = await boot(adapter, { guards: [TokenGuard] });
      const nothing = await request(http).post('/cron/jobs/tenant-sync/retry-failed').set(auth).send({}).expect(400);
      expect((nothing.body as { message: string }).message).toMatch(
        /no failed tenants are recorded for any recent occurrence/,
      );
      const first = await runner.trigger('tenant-sync');
      tenantCalls.length = 0;
      const bad: Array<[string, unknown, RegExp]> = [
        [
          'tenant-sync',
          { occurrence: '2025-12-31T23:00:00.000Z' },
          /no failed tenants are recorded for occurrence 2025-12-31T23:00:00.000Z/,
        ],
        ['tenant-sync', { occurrence: 'yesterday' }, /occurrence must be an ISO 8601 instant/],
        ['tenant-sync', { occurrence: '2026-01-01' }, /occurrence must be an ISO 8601 instant/],
        ['tenant-sync', { occurrence: 1767225600000 }, /occurrence must be an ISO 8601 instant/],
        ['tenant-sync', { occurrence: first.occurrence, tenants: ['acct-1'] }, /unknown field\(s\): tenants/],
        ['report', {}, /not a @PerTenant\(\) job; trigger\(\) runs it again/],
      ];
      for (const [job, body, message] of bad) {
        const response = await request(http)
          .post(`/cron/jobs/${job}/retry-failed`)
          .set(auth)
          .send(body as object);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect((response.body as { message: string }).message).toMatch(message);
      }
      await request(http).post('/cron/jobs/no-such-job/retry-failed').set(auth).send({}).expect(404);
      await request(http).post('/cron/jobs/tenant-sync/retry-failed').set(auth).type('form').send({}).expect(415);
      await request(http).post('/cron/jobs/tenant-sync/retry-failed').set(auth).send({}).expect(200);
      expect(tenantCalls).toEqual(['acct-bad']);
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
