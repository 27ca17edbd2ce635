import { HttpStatus } from '@nestjs/common';
import { ApiError, type FieldError } from '../common/error-response';

export enum BacktestErrorCode {
  BacktestNotFound = 'BACKTEST_NOT_FOUND',
  ModelNotFound = 'MODEL_NOT_FOUND',
  ModelNotReady = 'MODEL_NOT_READY',
  InvalidParameters = 'INVALID_PARAMETERS',
  InsufficientData = 'INSUFFICIENT_DATA',
}

/** Every failure of the backtest module a caller can act on; the code picks the HTTP status, and ApiExceptionFilter (src/common) answers it. */
export class BacktestError extends ApiError<BacktestErrorCode> {
  constructor(code: BacktestErrorCode, message: string, fields: FieldError[] = []) {
    super(code, backtestHttpStatus(code), message, fields);
    this.name = 'BacktestError';
  }

  static invalid(field: string, message: string, rule = 'invalid'): BacktestError {
    return new BacktestError(BacktestErrorCode.InvalidParameters, message, [{ field, rule, message }]);
  }
}

export function backtestHttpStatus(code: BacktestErrorCode): HttpStatus {
  switch (code) {
    case BacktestErrorCode.BacktestNotFound:
    case BacktestErrorCode.ModelNotFound:
      return HttpStatus.NOT_FOUND;
    case BacktestErrorCode.InvalidParameters:
    case BacktestErrorCode.InsufficientData:
      return HttpStatus.BAD_REQUEST;
    case BacktestErrorCode.ModelNotReady:
      return HttpStatus.CONFLICT;
  }
}
