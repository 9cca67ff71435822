import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';

/**
 * Guards the coordinated-cron admin page: the token from CRON_ADMIN_TOKEN, as `Authorization: Bearer <token>` (what
 * the page's script sends) or as `?token=` (how the page itself is opened in a browser).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    this.expected = Buffer.from(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; query: Record<string, unknown> }>();
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    const query = typeof request.query.token === 'string' ? request.query.token : undefined;
    const given = Buffer.from(bearer ?? query ?? '');
    // Constant-time comparison, so response timing does not reveal how much of a guess was right.
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new UnauthorizedException();
  }
}
