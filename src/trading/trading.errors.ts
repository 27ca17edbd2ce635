import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { FieldError } from '../common/validation';

export enum TradingErrorCode {
  InvalidParameters = 'INVALID_PARAMETERS',
  ExchangeUnavailable = 'EXCHANGE_UNAVAILABLE',
}

/** Failures of the trading layer a caller can act on; TradingExceptionFilter maps codes to HTTP. */
export class TradingError extends Error {
  constructor(
    readonly code: TradingErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'TradingError';
  }

  static invalid(field: string, message: string, rule = 'invalid'): TradingError {
    return new TradingError(TradingErrorCode.InvalidParameters, message, [{ field, rule, message }]);
  }
}

function statusOf(code: TradingErrorCode): HttpStatus {
  switch (code) {
    case TradingErrorCode.InvalidParameters:
      return HttpStatus.BAD_REQUEST;
    case TradingErrorCode.ExchangeUnavailable:
      return HttpStatus.BAD_GATEWAY;
  }
}

@Catch(TradingError)
export class TradingExceptionFilter implements ExceptionFilter {
  catch(error: TradingError, host: ArgumentsHost): void {
    const status = statusOf(error.code);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: status === HttpStatus.BAD_REQUEST ? 'Bad Request' : 'Bad Gateway', code: error.code, message: [error.message], errors: error.fields });
  }
}
