import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MINUTE, rateLimit } from 'express-rate-limit';
import { carriesApiKey } from './api-key.guard';
import { errorBody } from './validation';

/** The kill switch's route: it must answer when everything else is refused, so it has a budget of its own. */
export const KILL_SWITCH_PATH = '/api/trading/kill';

export interface RateLimitSettings {
  /** RATE_LIMIT_PER_MINUTE: every request of one client, whatever the route (API, /health, /docs, static files). */
  perMinute: number;
  /** RATE_LIMIT_KILL_PER_MINUTE: POST /api/trading/kill of one client, per bucket (authorized / refused). */
  killPerMinute: number;
  /** API_KEY, when set: a kill call without it is counted in the refused bucket. */
  apiKey?: string;
}

/**
 * Per-client request budgets, as Express middleware in front of everything (Nest guards would miss Swagger and
 * the static dashboard files, and Nest's throttler keeps one bucket per route, so a client got the limit again on
 * every route). One bucket per client address across all routes, except the kill switch, which has its own budget
 * so that a client that used up the general one can still stop trading. Kill calls with a missing or wrong API key
 * count in a separate bucket: guessing the key can never use up the budget of the one who has it.
 */
export function rateLimits(settings: RateLimitSettings): RequestHandler[] {
  const killSwitch = rateLimit({
    windowMs: MINUTE,
    limit: settings.killPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (request) => !isKillSwitchCall(request),
    keyGenerator: (request) => {
      const bucket = settings.apiKey === undefined || carriesApiKey(request, settings.apiKey) ? 'authorized' : 'refused';
      return `${bucket}:${clientOf(request)}`;
    },
    handler: tooManyRequests('RATE_LIMIT_KILL_PER_MINUTE', settings.killPerMinute, `${KILL_SWITCH_PATH} calls`),
  });
  const general = rateLimit({
    windowMs: MINUTE,
    limit: settings.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: isKillSwitchCall,
    keyGenerator: clientOf,
    handler: tooManyRequests('RATE_LIMIT_PER_MINUTE', settings.perMinute, 'requests'),
  });
  return [killSwitch, general];
}

/** Express routes paths case-insensitively and ignores a trailing slash; so does this. */
function isKillSwitchCall(request: Request): boolean {
  return request.method === 'POST' && request.path.toLowerCase().replace(/\/+$/, '') === KILL_SWITCH_PATH;
}

/** The client's address (an IPv6 client by its /56 network, as one machine usually owns that many addresses). */
function clientOf(request: Request): string {
  return ipKeyGenerator(request.ip ?? request.socket.remoteAddress ?? 'unknown');
}

function tooManyRequests(variable: string, limit: number, what: string) {
  return (_request: Request, response: Response, _next: NextFunction) => {
    const retryAfter = response.getHeader('retry-after');
    const message = `at most ${limit} ${what} a minute per client (${variable}); retry after ${String(retryAfter ?? 60)} s`;
    response.status(429).json(errorBody(429, 'client', 'rate limit', message));
  };
}
