import { HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** One broken rule of a request: which field, which rule, and a sentence a person can act on. */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export class FieldErrorResponse implements FieldError {
  @ApiProperty({ example: 'limit', description: 'The request field (dotted path for nested ones), header or `body` at fault' })
  field!: string;

  @ApiProperty({ example: 'min', description: 'The rule it breaks (class-validator names such as isInt, min, isIn; or ours)' })
  rule!: string;

  @ApiProperty({ example: 'limit must be an integer from 1 to 1000' })
  message!: string;
}

/**
 * The one body of every 4xx and 5xx answer, whichever layer gives it (validation pipe, guards, the Express
 * middleware in front of the routes, body parsing, unknown routes, module errors). Clients branch on `code`.
 */
export class ErrorResponse {
  @ApiProperty({ example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP status text' })
  error!: string;

  @ApiProperty({
    example: 'VALIDATION_FAILED',
    pattern: '^[A-Z][A-Z0-9_]*$',
    description:
      'Stable machine-readable reason: VALIDATION_FAILED, MALFORMED_JSON, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, ' +
      'UNAUTHORIZED, FORBIDDEN_HOST, FORBIDDEN_ORIGIN, NOT_FOUND, RATE_LIMITED, INTERNAL_ERROR, or a module code such as ' +
      'MODEL_NOT_FOUND, MODEL_NOT_READY, BACKTEST_NOT_FOUND, INSUFFICIENT_DATA, INVALID_PARAMETERS, EXCHANGE_UNAVAILABLE, ' +
      'INDEXING_DISABLED, ELASTICSEARCH_UNAVAILABLE, JOB_QUEUE_FULL, IMPORT_LIMIT_EXCEEDED, IMPORT_BUSY',
  })
  code!: string;

  @ApiProperty({ example: 'limit must be an integer from 1 to 1000', description: 'What went wrong, in one line (the field messages joined)' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldErrorResponse], description: 'One entry per broken rule, when the fault lies in named fields' })
  errors?: FieldErrorResponse[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: 'POST /api/klines/import only (413): the report of each file read before the limit was passed, the last being the file that passed it',
  })
  files?: unknown[];
}

/** Codes for the statuses whose status text is not the name we want clients to see. */
const CODE_OF_STATUS: Partial<Record<number, string>> = {
  // Newer HTTP texts say "Content Too Large"; the code stays the one clients already know.
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.TOO_MANY_REQUESTS]: 'RATE_LIMITED',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'INTERNAL_ERROR',
};

/** The code of an answer that names none: VALIDATION_FAILED for a 400 naming fields, else the status text in UPPER_SNAKE. */
export function defaultErrorCode(statusCode: number, fieldErrors: readonly FieldError[] = []): string {
  if (statusCode === Number(HttpStatus.BAD_REQUEST) && fieldErrors.length > 0) return 'VALIDATION_FAILED';
  return CODE_OF_STATUS[statusCode] ?? statusText(statusCode).toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');
}

export function statusText(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}

/**
 * One entry per field and rule, and one per field and message: class-validator reports every failed decorator, so a
 * field whose decorators share a message (`model_id: "1"` breaks both isInt and min) would say the same thing twice.
 */
export function uniqueFieldErrors(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter(({ field, rule, message }) => {
    const keys = [JSON.stringify(['rule', field, rule]), JSON.stringify(['message', field, message])];
    if (keys.some((key) => seen.has(key))) return false;
    keys.forEach((key) => seen.add(key));
    return true;
  });
}

export interface ErrorDetails {
  statusCode: number;
  message: string;
  code?: string;
  errors?: readonly FieldError[];
}

/** Builds the body every error answer has; `errors` only when there are field errors, deduplicated. */
export function errorResponse({ statusCode, message, code, errors = [] }: ErrorDetails): ErrorResponse {
  const fieldErrors = uniqueFieldErrors(errors);
  return {
    statusCode,
    error: statusText(statusCode),
    code: code ?? defaultErrorCode(statusCode, fieldErrors),
    message,
    ...(fieldErrors.length > 0 ? { errors: fieldErrors } : {}),
  };
}

/** The one-line message of several field errors: their distinct messages, joined. */
export function summaryOf(errors: readonly FieldError[]): string {
  return [...new Set(errors.map((error) => error.message))].join('; ');
}

/**
 * Base of the modules' own errors (ModellingError, BacktestError, TradingError, IndexingError): each module keeps
 * its code enum and maps its codes to HTTP statuses; ApiExceptionFilter turns any of them into an ErrorResponse.
 */
export abstract class ApiError<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    readonly httpStatus: HttpStatus,
    message: string,
    /** Which request fields are at fault (400s). */
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}
