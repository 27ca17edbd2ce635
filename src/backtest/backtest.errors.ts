import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { FieldError } from '../common/validation';

export enum BacktestErrorCode {
  BacktestNotFound = 'BACKTEST_NOT_FOUND',
  ModelNotFound = 'MODEL_NOT_FOUND',
  ModelNotReady = 'MODEL_NOT_READY',
  InvalidParameters = 'INVALID_PARAMETERS',
  InsufficientData = 'INSUFFICIENT_DATA',
}

/** Every failure of the backtest module a caller can act on; BacktestExceptionFilter maps codes to HTTP. */
export class BacktestError extends Error {
  constructor(
    readonly code: BacktestErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
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

const STATUS_TEXT: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.CONFLICT]: 'Conflict',
};

/** Same body shape as the global ValidationPipe's 400s, plus the error code. */
@Catch(BacktestError)
export class BacktestExceptionFilter implements ExceptionFilter {
  catch(error: BacktestError, host: ArgumentsHost): void {
    const status = backtestHttpStatus(error.code);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: STATUS_TEXT[status], code: error.code, message: [error.message], errors: error.fields });
  }
}
