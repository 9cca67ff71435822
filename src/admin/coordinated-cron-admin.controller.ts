import {
  applyDecorators,
  BadRequestException,
  Body,
  Get,
  Header,
  HttpCode,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Post,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { LockStoreError } from '../common/errors/index.js';
import { CoordinatedCronRunner } from '../execution/coordinated-cron.runner.js';
import { InvalidJobCommandError, UnknownJobError } from '../execution/errors/job-control.errors.js';
import { type JobDescription, type JobRunReport } from '../interfaces/index.js';
import { ADMIN_PAGE_HTML } from './admin-page.js';
import { readPauseBody, readRetryFailedBody, readScheduleBody } from './admin-request-bodies.js';
import { JsonOnlyGuard } from './json-only.guard.js';

/** Security headers of the page: everything it needs is inline, so nothing else may load or run. */
const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A mutating route: `POST`, answered 200, and refused (415) unless the body is sent as JSON. */
function JsonCommand(path: string): MethodDecorator {
  return applyDecorators(Post(path), HttpCode(200), UseGuards(JsonOnlyGuard));
}

/**
 * The admin routes, mounted by `CoordinatedCronAdminModule.forRoot` on a subclass that carries the path and the
 * guards. Uses only the public runner API. Errors are mapped to short messages; anything unexpected becomes Nest's
 * plain 500, so nothing about the app leaks.
 */
@Injectable()
export class CoordinatedCronAdminController {
  // Explicit token: the mounted subclass inherits this constructor, and with it this metadata.
  constructor(@Inject(CoordinatedCronRunner) private readonly runner: CoordinatedCronRunner) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return ADMIN_PAGE_HTML;
  }

  @Get('jobs')
  @Header('Cache-Control', 'no-store')
  jobs(): Promise<JobDescription[]> {
    return this.call(() => this.runner.describeAll());
  }

  @Get('jobs/:name')
  @Header('Cache-Control', 'no-store')
  job(@Param('name') name: string): Promise<JobDescription> {
    return this.call(() => this.runner.describe(name));
  }

  @JsonCommand('jobs/:name/trigger')
  trigger(@Param('name') name: string): Promise<JobRunReport> {
    return this.call(() => this.runner.trigger(name));
  }

  @JsonCommand('jobs/:name/pause')
  pause(@Param('name') name: string, @Body() body: unknown): Promise<JobDescription> {
    const options = readPauseBody(body);
    return this.steer(name, () => this.runner.pause(name, options));
  }

  @JsonCommand('jobs/:name/resume')
  resume(@Param('name') name: string): Promise<JobDescription> {
    return this.steer(name, () => this.runner.resume(name));
  }

  @JsonCommand('jobs/:name/tenants/:tenantId/pause')
  pauseTenant(
    @Param('name') name: string,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
  ): Promise<JobDescription> {
    const options = readPauseBody(body);
    return this.steer(name, () => this.runner.pauseTenant(name, tenantId, options));
  }

  @JsonCommand('jobs/:name/tenants/:tenantId/resume')
  resumeTenant(@Param('name') name: string, @Param('tenantId') tenantId: string): Promise<JobDescription> {
    return this.steer(name, () => this.runner.resumeTenant(name, tenantId));
  }

  /** A new schedule in force fleet-wide, or back to the code's with `{ "reset": true }` (or a JSON `null`). */
  @JsonCommand('jobs/:name/schedule')
  reschedule(@Param('name') name: string, @Body() body: unknown): Promise<JobDescription> {
    const options = readScheduleBody(body);
    return this.steer(name, () => this.runner.reschedule(name, options));
  }

  @JsonCommand('jobs/:name/retry-failed')
  retryFailed(@Param('name') name: string, @Body() body: unknown): Promise<JobRunReport> {
    const options = readRetryFailedBody(body);
    return this.call(() => this.runner.retryFailed(name, options));
  }

  /** Runs an operator's command, then answers the job as it now stands, read back from the store. */
  private steer(name: string, command: () => Promise<unknown>): Promise<JobDescription> {
    return this.call(async () => {
      await command();
      return this.runner.describe(name);
    });
  }

  private async call<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof UnknownJobError) throw new NotFoundException(`no job named "${error.jobName}"`);
      if (error instanceof InvalidJobCommandError) throw new BadRequestException(error.message);
      if (error instanceof LockStoreError) throw new ServiceUnavailableException('the lock store did not answer');
      throw error;
    }
  }
}
