import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { FieldError } from '../common/validation';

export enum ModellingErrorCode {
  ModelNotFound = 'MODEL_NOT_FOUND',
  InvalidParameters = 'INVALID_PARAMETERS',
  InsufficientData = 'INSUFFICIENT_DATA',
  ModelNotReady = 'MODEL_NOT_READY',
  UnsupportedModel = 'UNSUPPORTED_MODEL',
}

/** Every failure of the modelling layer that a caller can act on; ModellingExceptionFilter maps codes to HTTP. */
export class ModellingError extends Error {
  constructor(
    readonly code: ModellingErrorCode,
    message: string,
    /** Which request fields are at fault (400s), in the global validation pipe's shape. */
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ModellingError';
  }

  static invalid(field: string, message: string, rule = 'invalid'): ModellingError {
    return new ModellingError(ModellingErrorCode.InvalidParameters, message, [{ field, rule, message }]);
  }
}

export function httpStatusOf(code: ModellingErrorCode): HttpStatus {
  switch (code) {
    case ModellingErrorCode.ModelNotFound:
      return HttpStatus.NOT_FOUND;
    case ModellingErrorCode.InvalidParameters:
    case ModellingErrorCode.InsufficientData:
      return HttpStatus.BAD_REQUEST;
    case ModellingErrorCode.ModelNotReady:
    case ModellingErrorCode.UnsupportedModel:
      return HttpStatus.CONFLICT;
  }
}

const STATUS_TEXT: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.CONFLICT]: 'Conflict',
};

/** Same body shape as the global ValidationPipe's 400s, plus the error code. */
@Catch(ModellingError)
export class ModellingExceptionFilter implements ExceptionFilter {
  catch(error: ModellingError, host: ArgumentsHost): void {
    const status = httpStatusOf(error.code);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: STATUS_TEXT[status], code: error.code, message: [error.message], errors: error.fields });
  }
}
