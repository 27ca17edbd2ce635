import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { errorBody } from './validation';

export const API_KEY_HEADER = 'x-api-key';

/**
 * Guards mutating endpoints. With API_KEY set, the request must carry it in `x-api-key`; without it the server binds
 * to 127.0.0.1 only (see main.ts), and keylessLocalOnly (local-only.middleware.ts) refuses requests that a web page
 * could make the browser send there, so only local callers can reach these endpoints.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.get<string>('API_KEY');
    if (!expected) return true;
    if (carriesApiKey(context.switchToHttp().getRequest<Request>(), expected)) return true;
    throw new UnauthorizedException(errorBody(401, API_KEY_HEADER, 'api key', `${API_KEY_HEADER}: a valid API key is required for this endpoint`));
  }
}

/** Whether the request's `x-api-key` is the expected key (compared in constant time). */
export function carriesApiKey(request: Request, expected: string): boolean {
  const given = request.headers[API_KEY_HEADER];
  return typeof given === 'string' && sameSecret(given, expected);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
