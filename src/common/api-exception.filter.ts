import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiError, type ErrorResponse, errorResponse, type FieldError, summaryOf } from './error-response';

/**
 * The one exception filter of the HTTP API: every error a route, pipe, guard, Nest's unknown-route handler or a body
 * parser raises leaves as an ErrorResponse. The modules' errors keep their codes; Nest's exceptions (validation
 * pipe, NotFoundException...) keep their field errors; parser failures get codes of their own; anything else is a
 * 500 whose details stay in the log, never in the answer.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toErrorResponse(exception);
    if (response.headersSent) {
      // A streamed answer failed half-way: the status is gone, only closing the connection tells the client.
      this.logger.error(`error after the answer started: ${describe(exception)}`);
      response.end();
      return;
    }
    response.status(body.statusCode).json(body);
  }

  private toErrorResponse(exception: unknown): ErrorResponse {
    if (isApiError(exception)) {
      return errorResponse({ statusCode: exception.httpStatus, code: exception.code, message: exception.message, errors: exception.fields });
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    this.logger.error(describe(exception));
    return errorResponse({ statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error (details are in the server log)' });
  }
}

/** `instanceof` on the generic class would type the code as `any`. */
function isApiError(exception: unknown): exception is ApiError {
  return exception instanceof ApiError;
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const statusCode = exception.getStatus();
  const parserError = bodyParserError(exception.cause);
  if (parserError) return errorResponse({ statusCode, ...parserError });
  const answer = exception.getResponse();
  if (typeof answer === 'string') return errorResponse({ statusCode, message: answer });
  const given = answer as { code?: unknown; message?: unknown; errors?: unknown; files?: unknown };
  const errors = Array.isArray(given.errors) ? (given.errors as FieldError[]) : [];
  const body = errorResponse({
    statusCode,
    code: typeof given.code === 'string' ? given.code : undefined,
    message: messageOf(given.message) ?? (errors.length > 0 ? summaryOf(errors) : exception.message),
    errors,
  });
  // The import's 413 also reports the files it read (see ErrorResponse.files).
  return Array.isArray(given.files) ? { ...body, files: given.files as unknown[] } : body;
}

/** Nest's own exceptions carry a string, its ValidationPipe's default a string array. */
function messageOf(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return [...new Set(message.map(String))].join('; ');
  return undefined;
}

interface ParserFailure {
  code: string;
  message: string;
  errors: FieldError[];
}

/**
 * What Express's JSON / form parser (body-parser, http-errors) rejected, named for the client: Nest maps these to an
 * HttpException with the parser's error as `cause` (express-adapter `mapException`), so the cause's `type` tells.
 */
function bodyParserError(cause: unknown): ParserFailure | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { type, limit, length } = cause as { type?: unknown; limit?: unknown; length?: unknown };
  if (type === 'entity.parse.failed' || (cause instanceof SyntaxError && type === undefined)) {
    const message = `body: not valid JSON (${(cause as Error).message})`;
    return { code: 'MALFORMED_JSON', message, errors: [{ field: 'body', rule: 'json syntax', message }] };
  }
  if (type === 'entity.too.large') {
    const size = typeof length === 'number' ? `${length} bytes` : 'the body';
    const message = `body: ${size} exceed${typeof length === 'number' ? '' : 's'} the limit of ${String(limit)} bytes`;
    return { code: 'PAYLOAD_TOO_LARGE', message, errors: [{ field: 'body', rule: 'max size', message }] };
  }
  if (cause instanceof URIError) {
    const message = 'path: malformed percent-encoding';
    return { code: 'MALFORMED_URL', message, errors: [{ field: 'path', rule: 'uri encoding', message }] };
  }
  return undefined;
}

function describe(exception: unknown): string {
  return exception instanceof Error ? (exception.stack ?? exception.message) : JSON.stringify(exception) ?? String(exception);
}

/**
 * Unknown paths outside the /api prefix (Nest answers only those under it) get the same 404 body instead of
 * Express's HTML page. Appended once the routes, Nest's not-found handler and error handler are in place: it sees
 * only requests that nothing else answered.
 */
@Injectable()
export class UnknownPathResponder implements OnApplicationBootstrap {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    // Undefined in a context without HTTP (the CLI).
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    adapter?.use((request: Request, response: Response) => {
      response.status(HttpStatus.NOT_FOUND).json(errorResponse({ statusCode: HttpStatus.NOT_FOUND, message: `Cannot ${request.method} ${request.path}` }));
    });
  }
}
