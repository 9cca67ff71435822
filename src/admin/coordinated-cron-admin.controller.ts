import {
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
import { JsonOnlyGuard } from './json-only.guard.js';

/** Security headers of the page: everything it needs is inline, so nothing else may load or run. */
const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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

  @Post('jobs/:name/trigger')
  @HttpCode(200)
  @UseGuards(JsonOnlyGuard)
  trigger(@Param('name') name: string): Promise<JobRunReport> {
    return this.call(() => this.runner.trigger(name));
  }

  @Post('jobs/:name/pause')
  @HttpCode(200)
  @UseGuards(JsonOnlyGuard)
  pause(@Param('name') name: string, @Body() body: unknown): Promise<JobDescription> {
    const { reason, until } = readPauseBody(body);
    return this.call(async () => {
      await this.runner.pause(name, { reason, until });
      return this.runner.describe(name);
    });
  }

  @Post('jobs/:name/resume')
  @HttpCode(200)
  @UseGuards(JsonOnlyGuard)
  resume(@Param('name') name: string): Promise<JobDescription> {
    return this.call(async () => {
      await this.runner.resume(name);
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

function readPauseBody(body: unknown): { reason?: string; until?: string } {
  // An empty JSON body arrives as {} (or undefined with some parsers); both mean "pause, no reason, no end".
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestException('the body must be a JSON object { reason?: string, until?: string }');
  }
  const { reason, until, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new BadRequestException(`unknown field(s): ${unknown.join(', ')}`);
  if (reason !== undefined && typeof reason !== 'string') throw new BadRequestException('reason must be a string');
  if (until !== undefined && (typeof until !== 'string' || until.trim() === '')) {
    throw new BadRequestException("until must be an ISO date or a duration such as '2h'");
  }
  return { reason, until: until === undefined || until === '' ? undefined : until };
}
