import { HttpStatus } from '@nestjs/common';
import { ApiError, type FieldError } from '../common/error-response';

export enum ModellingErrorCode {
  ModelNotFound = 'MODEL_NOT_FOUND',
  InvalidParameters = 'INVALID_PARAMETERS',
  InsufficientData = 'INSUFFICIENT_DATA',
  ModelNotReady = 'MODEL_NOT_READY',
  UnsupportedModel = 'UNSUPPORTED_MODEL',
}

/** Every failure of the modelling layer that a caller can act on; the code picks the HTTP status, and ApiExceptionFilter (src/common) answers it. */
export class ModellingError extends ApiError<ModellingErrorCode> {
  constructor(code: ModellingErrorCode, message: string, fields: FieldError[] = []) {
    super(code, httpStatusOf(code), message, fields);
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
