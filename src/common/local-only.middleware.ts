import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody } from './validation';

/** Methods that change something; a browser may send them cross-site without asking first (no CORS preflight). */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The names this machine answers to, with or without a port: nothing a remote DNS name can resolve to. */
const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** `Sec-Fetch-Site` values meaning the request was started by a page of another origin. */
const FOREIGN_FETCH_SITES: ReadonlySet<string> = new Set(['cross-site', 'same-site']);

/**
 * Without API_KEY every endpoint is open to whoever can reach the port, and main.ts binds 127.0.0.1 for that reason.
 * A web page the user visits can still reach it through the browser: by DNS rebinding (a hostname of the
 * attacker's that resolves to 127.0.0.1, sent as `Host`), or with "simple" requests (text/plain, form or multipart
 * POSTs) that browsers send cross-site without a CORS preflight. This refuses both, before anything else runs:
 * - any request whose `Host` is not localhost, 127.0.0.1 or [::1] (any port);
 * - a mutating request whose `Origin` is neither the app's own origin nor one of CORS_ORIGINS, or, without
 *   `Origin`, whose `Sec-Fetch-Site` says another site started it.
 * Clients that are not browsers (curl, scripts, the tests) send neither header and are unaffected.
 */
export function keylessLocalOnly(trustedOrigins: readonly string[]): RequestHandler {
  const trusted = new Set(trustedOrigins.map((origin) => origin.toLowerCase()));
  return (request: Request, response: Response, next: NextFunction) => {
    const refusal = refusalOf(request, trusted);
    if (!refusal) return next();
    response.status(403).json(errorBody(403, refusal.field, refusal.rule, refusal.message, refusal.code));
  };
}

interface Refusal {
  /** FORBIDDEN_HOST (a name other than this machine's: DNS rebinding) or FORBIDDEN_ORIGIN (another site's page). */
  code: 'FORBIDDEN_HOST' | 'FORBIDDEN_ORIGIN';
  field: string;
  rule: string;
  message: string;
}

function refusalOf(request: Request, trusted: ReadonlySet<string>): Refusal | undefined {
  const host = request.headers.host;
  if (host === undefined || !LOCAL_HOST.test(host)) {
    return {
      code: 'FORBIDDEN_HOST',
      field: 'Host',
      rule: 'local host only',
      message: 'Host: without API_KEY this app only answers requests addressed to localhost, 127.0.0.1 or [::1]',
    };
  }
  if (!MUTATING_METHODS.has(request.method)) return undefined;
  const origin = request.headers.origin?.toLowerCase();
  if (origin !== undefined) {
    if (origin === `${request.protocol}://${host.toLowerCase()}` || trusted.has(origin)) return undefined;
    return {
      code: 'FORBIDDEN_ORIGIN',
      field: 'Origin',
      rule: 'same origin',
      message: 'Origin: without API_KEY, changes are only accepted from this app\'s own pages (or an origin in CORS_ORIGINS)',
    };
  }
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && FOREIGN_FETCH_SITES.has(site.toLowerCase())) {
    return {
      code: 'FORBIDDEN_ORIGIN',
      field: 'Sec-Fetch-Site',
      rule: 'same origin',
      message: `Sec-Fetch-Site: without API_KEY, changes started by another site (${site}) are refused`,
    };
  }
  return undefined;
}
