import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { type ErrorResponse, errorResponse, type FieldError, summaryOf } from './error-response';

export type { FieldError } from './error-response';

/** Flattens class-validator errors (nested ones as dotted paths) into one entry per broken rule. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule: rule === 'whitelistValidation' ? 'unknown field' : rule,
      message,
    }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** The app-wide pipe: strips nothing silently (unknown fields are 400s) and converts query strings to numbers. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fieldErrors = toFieldErrors(errors);
      return new BadRequestException(errorResponse({ statusCode: 400, message: summaryOf(fieldErrors), errors: fieldErrors }));
    },
  });
}

/** A 400 in the same shape as the validation pipe's, for rules checked outside a DTO. */
export function badField(field: string, rule: string, message: string): BadRequestException {
  return new BadRequestException(errorBody(400, field, rule, message));
}

/**
 * The project's error shape for one broken rule, for code that answers outside Nest's exception layer (Express
 * middleware in front of the routes) or with a status other than 400. `code` defaults to the status's
 * (VALIDATION_FAILED for a 400, RATE_LIMITED for a 429, UNSUPPORTED_MEDIA_TYPE for a 415...).
 */
export function errorBody(statusCode: number, field: string, rule: string, message: string, code?: string): ErrorResponse {
  return errorResponse({ statusCode, message, code, errors: [{ field, rule, message }] });
}

/** Path ids (`/api/models/{id}`): a positive integer, else a 400 naming the parameter (not Nest's anonymous one). */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const field = metadata.data ?? 'id';
    // Up to 15 digits: every such number is exact as a JavaScript number.
    if (!/^[1-9]\d{0,14}$/.test(value)) throw badField(field, 'isPositiveInt', `${field} must be a positive integer`);
    return Number(value);
  }
}

/** Path ids that are UUIDs (ingestion jobs), else a 400 naming the parameter. */
@Injectable()
export class ParseUuidPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const field = metadata.data ?? 'id';
    if (!isUUID(value)) throw badField(field, 'isUuid', `${field} must be a UUID`);
    return value;
  }
}
