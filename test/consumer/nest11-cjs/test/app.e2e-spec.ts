import { Test, TestingModule } from '@nestjs/testing';
import { type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { App } from 'supertest/types';
import { CoordinatedCronRunner } from 'nestjs-coordinated-cron';
import { AppModule, DISABLED_TENANT, PLAIN_JOB, RunLog, TENANT_JOB, TENANTS, type RunEntry } from './../src/app.module';

// A past tick no schedule timer will reach, unique per spec run so the claim is always fresh.
const OCCURRENCE = new Date(Date.UTC(2001, 0, 1, 0, 0, 0) + (Date.now() % 1_000_000) * 1000);

// The schedule keeps firing while the spec runs; only the bodies of the triggered occurrence count here.
function ofTriggered(job: string): (entry: RunEntry) => boolean {
  return (entry) => entry.job === job && entry.occurrence === OCCURRENCE.toISOString();
}

async function boot(): Promise<INestApplication<App>> {
  const moduleFixture: TestingModule = await Test.createTestingModule({
    imports: [AppModule],
  }).compile();
  const app = moduleFixture.createNestApplication<INestApplication<App>>();
  await app.init();
  return app;
}

describe('AppModule with nestjs-coordinated-cron (e2e)', () => {
  let first: INestApplication<App>;
  let second: INestApplication<App>;

  beforeAll(async () => {
    first = await boot();
    second = await boot();
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('/ (GET)', () => {
    return request(first.getHttpServer()).get('/').expect(200).expect('Hello World!');
  });

  it('registers both decorated jobs', () => {
    const names = first
      .get(CoordinatedCronRunner)
      .jobs()
      .map((job) => job.name);
    expect(names.sort()).toEqual([TENANT_JOB, PLAIN_JOB].sort());
  });

  it('runs an occurrence once across two app instances sharing Redis', async () => {
    const reports = await Promise.all(
      [first, second].map((app) => app.get(CoordinatedCronRunner).trigger(PLAIN_JOB, { occurrence: OCCURRENCE })),
    );
    const outcomes = reports.map((report) => `${report.outcome}${report.skipReason ? `/${report.skipReason}` : ''}`);
    expect(outcomes.sort()).toEqual(['completed', 'skipped/duplicate']);

    const bodies = [first, second].flatMap((app) => app.get(RunLog).entries.filter(ofTriggered(PLAIN_JOB)));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ occurrence: OCCURRENCE.toISOString(), clsJob: PLAIN_JOB, clsTenant: null });
  });

  it('fans a per-tenant occurrence out to the enabled tenants, each in its own context', async () => {
    const report = await first.get(CoordinatedCronRunner).trigger(TENANT_JOB, { occurrence: OCCURRENCE });
    const enabled = TENANTS.filter((tenant) => tenant !== DISABLED_TENANT);
    expect(report.outcome).toBe('completed');
    expect(report.tenants?.succeeded.slice().sort()).toEqual(enabled.slice().sort());
    expect(report.tenants?.disabled).toEqual([DISABLED_TENANT]);

    const bodies = first.get(RunLog).entries.filter(ofTriggered(TENANT_JOB));
    expect(bodies.map((entry) => entry.tenant).sort()).toEqual(enabled.slice().sort());
    for (const entry of bodies) expect(entry.clsTenant).toBe(entry.tenant);
  });
});
