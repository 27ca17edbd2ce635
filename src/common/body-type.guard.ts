import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { Request } from 'express';
import { errorBody } from './validation';

/** What an endpoint accepts when it declares nothing with @ApiConsumes. */
export const DEFAULT_BODY_TYPE = 'application/json';

/**
 * Every endpoint accepts bodies of one media type: the one it declares with @ApiConsumes (the import endpoint:
 * multipart/form-data), otherwise application/json. Anything else is a 415 before the handler, the API-key check or
 * multer run. Browsers send text/plain, form and multipart bodies cross-site without a CORS preflight; JSON needs
 * one, so refusing the others closes that door in every mode, and a client's mistake gets a clear answer instead
 * of a misleading "field missing" 400.
 *
 * The declaration Swagger documents is the one enforced, so the two cannot drift apart. A request without a body
 * (e.g. `POST /api/trading/kill` with nothing) is let through as before, whatever Content-Type it declares.
 */
@Injectable()
export class BodyTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!carriesContent(request)) return true;
    const accepted = this.reflector.getAllAndOverride<string[] | undefined>(DECORATORS.API_CONSUMES, [context.getHandler(), context.getClass()]) ?? [
      DEFAULT_BODY_TYPE,
    ];
    const given = request.headers['content-type'];
    if (given !== undefined && accepted.includes(mediaTypeOf(given))) return true;
    const message = `Content-Type: this endpoint accepts ${accepted.join(' or ')} bodies only, not ${given ?? 'a body without Content-Type'}`;
    throw new HttpException(errorBody(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Content-Type', 'media type', message), HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }
}

/**
 * Whether a body follows the headers: a non-zero Content-Length, or a chunked one whose length is not announced.
 * A declared Content-Type alone does not count: an empty body is harmless whatever it claims to be.
 */
function carriesContent(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/** `multipart/form-data; boundary=x` → `multipart/form-data` (parameters dropped, case folded). */
function mediaTypeOf(contentType: string): string {
  return contentType.split(';', 1)[0].trim().toLowerCase();
}
