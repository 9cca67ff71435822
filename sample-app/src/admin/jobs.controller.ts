import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  CoordinatedCronRunner,
  InvalidJobCommandError,
  type JobRunReport,
  type JobScheduleDescription,
  type PauseOptions,
  type RescheduleOptions,
  UnknownJobError,
} from 'nestjs-coordinated-cron';
import { DatabaseService } from '../database/database.service.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/**
 * A small operator API: what is scheduled, a manual run, and the recent job_runs evidence; and, behind the admin
 * token, the fleet-wide steering of one account and of a job's schedule. Any instance can serve it, a control
 * process that schedules nothing (SAMPLE_SCHEDULING=0) as well: what it changes lives in the lock store.
 */
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

  /** Body `{ reason?, until? }`: every instance leaves the account out of the job's runs until it is resumed. */
  @Post(':name/accounts/:accountId/pause')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  async pauseAccount(
    @Param('name') name: string,
    @Param('accountId') accountId: string,
    @Body() body: PauseOptions = {},
  ): Promise<{ paused: string }> {
    await steer(() => this.runner.pauseTenant(name, accountId, { reason: body.reason, until: body.until }));
    return { paused: accountId };
  }

  @Post(':name/accounts/:accountId/resume')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  async resumeAccount(@Param('name') name: string, @Param('accountId') accountId: string) {
    await steer(() => this.runner.resumeTenant(name, accountId));
    return { resumed: accountId };
  }

  /** Body `{ cron?, jitter?, timeZone?, reason? }`: every instance moves to this schedule within moments. */
  @Post(':name/schedule')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  reschedule(@Param('name') name: string, @Body() body: RescheduleOptions): Promise<JobScheduleDescription> {
    return steer(() => this.runner.reschedule(name, body));
  }

  /** Back to the schedule in the code, fleet-wide. */
  @Delete(':name/schedule')
  @UseGuards(AdminTokenGuard)
  resetSchedule(@Param('name') name: string): Promise<JobScheduleDescription> {
    return steer(() => this.runner.reschedule(name, null));
  }
}

/** The runner's refusals as HTTP answers: an unknown job is a 404, a bad command a 400 that says what is wrong. */
async function steer<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof UnknownJobError) throw new NotFoundException(error.message);
    if (error instanceof InvalidJobCommandError) throw new BadRequestException(error.message);
    throw error;
  }
}
