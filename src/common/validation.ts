import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

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
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: fieldErrors.map((error) => error.message),
        errors: fieldErrors,
      });
    },
  });
}

/** A 400 in the same shape as the validation pipe's, for rules checked outside a DTO. */
export function badField(field: string, rule: string, message: string): BadRequestException {
  return new BadRequestException(errorBody(400, field, rule, message));
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
  errors: FieldError[];
}

/**
 * The project's error shape for one broken rule, for code that answers outside Nest's exception layer (Express
 * middleware in front of the routes) or with a status other than 400.
 */
export function errorBody(statusCode: number, field: string, rule: string, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: [message], errors: [{ field, rule, message }] };
}
