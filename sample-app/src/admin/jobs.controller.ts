import { Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { CoordinatedCronRunner, type JobRunReport } from 'nestjs-coordinated-cron';
import { DatabaseService } from '../database/database.service.js';

/** A small operator API: what is scheduled, a manual run, and the recent job_runs evidence. */
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly runner: CoordinatedCronRunner,
    private readonly database: DatabaseService,
  ) {}

  @Get()
  list() {
    return this.runner.jobs();
  }

  @Post(':name/trigger')
  async trigger(@Param('name') name: string): Promise<JobRunReport> {
    if (!this.runner.jobs().some((job) => job.name === name)) {
      throw new NotFoundException(`no job named ${name}`);
    }
    return this.runner.trigger(name);
  }

  @Get('runs')
  recentRuns(@Query('limit') limit = '50') {
    const rows = Math.min(Math.max(Number.parseInt(limit, 10) || 50, 1), 500);
    return this.database.db.prepare('SELECT * FROM job_runs ORDER BY id DESC LIMIT ?').all(rows);
  }
}
