import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';

/**
 * Mutating admin routes accept only `Content-Type: application/json`. A cross-site HTML form can only send
 * url-encoded, multipart or text/plain bodies, and a cross-site fetch with a JSON type needs a CORS preflight this
 * module never grants, so another site cannot trigger, pause or resume a job through a logged-in browser.
 */
@Injectable()
export class JsonOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const type = request.headers['content-type'];
    if (typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type.trim())) return true;
    throw new UnsupportedMediaTypeException('send the request with Content-Type: application/json');
  }
}
